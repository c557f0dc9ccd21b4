"""The DNS check against a real DNS server on loopback (dnslib) serving the zone custode.test."""

from __future__ import annotations

from typing import Any

import pytest

from custode.checks import dns as dns_check
from custode.checks.result import Result, Status
from custode.checks.tests.servers_net import dns_server, run, silent_dns_port  # noqa: F401 (fixtures)
from custode.monitors.specs import DnsSpec


def check(port: int, name: str, record: str = "A", **fields: Any) -> Result:
    spec = DnsSpec.model_validate({"id": "name", "type": "dns", "name": name, "record": record,
                                   "resolver": "127.0.0.1", "timeout": "2s", **fields})
    return run(dns_check.check(spec, port=port))


@pytest.mark.parametrize(("name", "record", "values"), [
    ("www.custode.test", "A", ["203.0.113.10"]),
    ("www.custode.test", "AAAA", ["2001:db8::10"]),
    ("two.custode.test", "A", ["198.51.100.1", "198.51.100.2"]),
    ("alias.custode.test", "CNAME", ["www.custode.test"]),
    ("alias.custode.test", "A", ["203.0.113.10"]),
    ("custode.test", "MX", ["10 mail.custode.test", "20 backup-mx.custode.test"]),
    ("custode.test", "NS", ["ns1.custode.test", "ns2.custode.test"]),
    ("custode.test", "TXT", ["v=spf1 mx -all"]),
])
def test_each_record_type_is_up_with_its_values(dns_server: int, name: str, record: str, values: list[str]) -> None:
    result = check(dns_server, name, record)
    assert result.status == Status.UP, result.reason
    assert result.details == {"values": values, "resolver": "127.0.0.1"}
    assert result.latency_ms is not None


@pytest.mark.parametrize(("name", "record", "expect"), [
    ("two.custode.test", "A", ["198.51.100.2", "198.51.100.1"]),
    ("www.custode.test", "AAAA", ["2001:0db8:0000::0010"]),
    ("alias.custode.test", "CNAME", ["WWW.Custode.Test."]),
    ("custode.test", "MX", ["20 backup-mx.custode.test.", "10 Mail.Custode.Test"]),
    ("custode.test", "NS", ["ns2.custode.test.", "ns1.custode.test"]),
    ("dkim.custode.test", "TXT", ["v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"]),
])
def test_expected_values_match_in_any_order_and_spelling(
        dns_server: int, name: str, record: str, expect: list[str]) -> None:
    result = check(dns_server, name, record, expect=expect)
    assert result.status == Status.UP, result.reason


def test_a_different_address_is_down_showing_both(dns_server: int) -> None:
    result = check(dns_server, "two.custode.test", expect=["203.0.113.10"])
    assert (result.status, result.reason) == (
        Status.DOWN, "DNS: A is 198.51.100.1 and 198.51.100.2, expected 203.0.113.10")
    assert result.details["values"] == ["198.51.100.1", "198.51.100.2"]


def test_a_missing_expected_value_is_down_even_when_the_others_match(dns_server: int) -> None:
    result = check(dns_server, "custode.test", "MX", expect=["10 mail.custode.test"])
    assert (result.status, result.reason) == (
        Status.DOWN, "DNS: MX is 10 mail.custode.test and 20 backup-mx.custode.test, expected 10 mail.custode.test")


def test_an_mx_preference_is_part_of_the_value(dns_server: int) -> None:
    result = check(dns_server, "custode.test", "MX", expect=["20 mail.custode.test", "20 backup-mx.custode.test"])
    assert result.status == Status.DOWN


def test_a_different_txt_is_down_quoting_both(dns_server: int) -> None:
    result = check(dns_server, "custode.test", "TXT", expect=["v=spf1 include:_spf.custode.test -all"])
    assert (result.status, result.reason) == (
        Status.DOWN, 'DNS: TXT is "v=spf1 mx -all", expected "v=spf1 include:_spf.custode.test -all"')


def test_nxdomain_is_down_naming_the_name(dns_server: int) -> None:
    result = check(dns_server, "mirador.example")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: NXDOMAIN for mirador.example")


def test_a_name_without_that_record_is_down_naming_both(dns_server: int) -> None:
    result = check(dns_server, "mail.custode.test", "AAAA")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: no AAAA record for mail.custode.test")


def test_servfail_is_down(dns_server: int) -> None:
    result = check(dns_server, "broken.custode.test")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: SERVFAIL")


def test_a_resolver_that_does_not_answer_is_down_after_the_timeout(silent_dns_port: int) -> None:
    result = check(silent_dns_port, "www.custode.test", timeout="1s")
    assert (result.status, result.reason) == (
        Status.DOWN, "DNS: resolver 127.0.0.1 did not answer (timed out after 1s)")


def test_a_resolver_name_that_does_not_resolve_is_down_naming_it(dns_server: int) -> None:
    result = check(dns_server, "www.custode.test", resolver="no-such-resolver.invalid", timeout="5s")
    assert (result.status, result.reason) == (Status.DOWN, "DNS: cannot resolve resolver 'no-such-resolver.invalid'")
