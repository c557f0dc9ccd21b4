"""The HTTP check against real servers on loopback: every way a site can be up or down, in words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custode.checks import http, httpclient
from custode.checks.result import Result, Status
from custode.checks.tests.servers_http import *  # noqa: F403 (fixtures)
from custode.checks.tests.servers_http import AUTH_PASSWORD, AUTH_USER, OK_BODY, run
from custode.monitors.specs import HttpSpec


def spec(url: str, **fields: Any) -> HttpSpec:
    return HttpSpec.model_validate({"id": "site", "type": "http", "url": url, **fields})


def check(url: str, **fields: Any) -> Result:
    return run(http.check(spec(url, **fields)))


def assert_down(result: Result, reason: str) -> None:
    assert (result.status, result.reason) == (Status.DOWN, reason)


# Up, and what an up result tells


def test_a_page_answering_200_is_up_with_status_url_and_latency(http_server: str) -> None:
    result = check(f"{http_server}/ok")
    assert result.status == Status.UP
    assert result.details["status_code"] == 200
    assert result.details["url"] == f"{http_server}/ok"
    assert result.details["body_bytes"] == len(OK_BODY)
    assert result.latency_ms is not None and 0 < result.latency_ms < 5000


def test_all_expectations_met_is_up(http_server: str) -> None:
    result = check(f"{http_server}/ok", expect={
        "status": 200, "body_contains": "Studio", "body_regex": r"ok\d",
        "headers": {"Content-Type": "text/html; charset=utf-8"}, "max_latency": "5s"})
    assert result.status == Status.UP, result.reason


def test_head_request_reads_no_body(http_server: str) -> None:
    result = check(f"{http_server}/ok", method="HEAD")
    assert result.status == Status.UP
    assert result.details["body_bytes"] == 0


# Status


def test_status_503_is_down_with_the_status_in_the_reason(http_server: str) -> None:
    assert_down(check(f"{http_server}/status/503", expect={"status": 200}), "status 503, expected 200")


def test_status_404_is_down_against_the_default_range(http_server: str) -> None:
    assert_down(check(f"{http_server}/status/404"), "status 404, expected 200-399")


def test_status_may_be_a_list_or_a_class(http_server: str) -> None:
    assert check(f"{http_server}/status/204", expect={"status": [200, 204]}).status == Status.UP
    assert check(f"{http_server}/status/201", expect={"status": "2xx"}).status == Status.UP
    assert_down(check(f"{http_server}/status/500", expect={"status": [200, 204]}), "status 500, expected 200 or 204")
    assert_down(check(f"{http_server}/status/302", expect={"status": "2xx"}), "status 302, expected 2xx")


def test_an_expected_error_status_is_up(http_server: str) -> None:
    assert check(f"{http_server}/status/401", expect={"status": 401}).status == Status.UP


# Body


def test_body_without_the_expected_text_is_down(http_server: str) -> None:
    assert_down(check(f"{http_server}/ok", expect={"body_contains": "Studio Rossi"}),
                "body does not contain 'Studio Rossi'")


def test_body_not_matching_the_regex_is_down(http_server: str) -> None:
    assert_down(check(f"{http_server}/ok", expect={"body_regex": r"ok\d\d"}), r"body does not match /ok\d\d/")


def test_chunked_body_is_read_whole(http_server: str) -> None:
    result = check(f"{http_server}/chunked", expect={"body_contains": "Studio Legale Bianchi"})
    assert result.status == Status.UP, result.reason
    assert result.details["body_bytes"] == len("Studio Legale Bianchi")


def test_body_without_length_is_read_until_the_server_closes(http_server: str) -> None:
    result = check(f"{http_server}/until-close", expect={"body_contains": "until close"})
    assert result.status == Status.UP, result.reason


def test_a_huge_body_is_read_up_to_one_mebibyte(http_server: str) -> None:
    result = check(f"{http_server}/big", expect={"body_contains": "Studio Legale"})
    assert result.status == Status.UP
    assert result.details["body_bytes"] == httpclient.MAX_BODY
    assert result.details["truncated"] is True


def test_text_beyond_the_first_mebibyte_is_not_searched_and_the_reason_says_so(http_server: str) -> None:
    assert_down(check(f"{http_server}/big", expect={"body_contains": "needle"}),
                "body does not contain 'needle' (first 1024 KiB read)")


# JSON


def test_json_values_found_by_path_are_up(http_server: str) -> None:
    result = check(f"{http_server}/json",
                   expect={"json_path": {"status": "ok", "$.data.items.0.name": "a", "data.items[0].name": "a",
                                         "count": 3}})
    assert result.status == Status.UP, result.reason


def test_json_value_differing_is_down_with_both_values(http_server: str) -> None:
    assert_down(check(f"{http_server}/json", expect={"json_path": {"status": "fail"}}),
                "JSON status is 'ok', expected 'fail'")
    assert_down(check(f"{http_server}/json", expect={"json_path": {"count": 4}}), "JSON count is 3, expected 4")


def test_json_path_that_leads_nowhere_is_down(http_server: str) -> None:
    assert_down(check(f"{http_server}/json", expect={"json_path": {"data.items.5.name": "a"}}),
                "JSON data.items.5.name is missing, expected 'a'")


def test_body_that_is_not_json_is_down(http_server: str) -> None:
    assert_down(check(f"{http_server}/ok", expect={"json_path": {"status": "ok"}}), "body is not JSON")


# Headers and latency


def test_header_with_another_value_is_down_with_both_values(http_server: str) -> None:
    assert_down(check(f"{http_server}/ok", expect={"headers": {"content-type": "application/json"}}),
                "header content-type is 'text/html; charset=utf-8', expected 'application/json'")


def test_header_names_ignore_case_and_a_missing_header_is_down(http_server: str) -> None:
    assert check(f"{http_server}/ok", expect={"headers": {"X-SERVED-BY": "custode-test"}}).status == Status.UP
    assert_down(check(f"{http_server}/ok", expect={"headers": {"x-cache": "HIT"}}),
                "header x-cache is missing, expected 'HIT'")


def test_slower_than_the_limit_is_down_with_the_time_taken(http_server: str) -> None:
    result = check(f"{http_server}/slow", expect={"max_latency": "100ms"})
    assert result.status == Status.DOWN
    assert result.reason.startswith("slow: ") and result.reason.endswith("ms, limit 100ms"), result.reason
    assert result.latency_ms is not None and result.latency_ms >= 300


# Requests: method, body, headers, authentication


def test_post_sends_the_body_and_the_custom_headers(http_server: str) -> None:
    result = run(httpclient.request("POST", f"{http_server}/echo", body='{"ping": 1}',
                                    headers={"Content-Type": "application/json", "X-Tenant": "bianchi"}))
    echoed = json.loads(result.body)
    assert echoed["method"] == "POST"
    assert echoed["body"] == '{"ping": 1}'
    assert echoed["headers"]["x-tenant"] == "bianchi"
    assert echoed["headers"]["user-agent"] == "Custode/0.1"
    assert echoed["headers"]["connection"] == "close"


def test_post_check_is_judged_on_the_answer(http_server: str) -> None:
    result = check(f"{http_server}/echo", method="POST", body="hello", expect={"json_path": {"body": "hello"}})
    assert result.status == Status.UP, result.reason


def test_basic_auth_reads_the_password_from_the_environment(http_server: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_PASSWORD", AUTH_PASSWORD)
    auth = {"user": AUTH_USER, "password_env": "STUDIO_PASSWORD"}
    assert check(f"{http_server}/auth", basic_auth=auth, expect={"status": 200}).status == Status.UP
    monkeypatch.setenv("STUDIO_PASSWORD", "wrong")
    assert_down(check(f"{http_server}/auth", basic_auth=auth, expect={"status": 200}), "status 401, expected 200")


def test_basic_auth_with_its_variable_unset_is_an_error_of_custode_naming_the_variable(
        http_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUDIO_PASSWORD", raising=False)
    result = check(f"{http_server}/auth", basic_auth={"user": AUTH_USER, "password_env": "STUDIO_PASSWORD"})
    assert (result.status, result.reason) == (Status.ERROR, "environment variable STUDIO_PASSWORD is not set")


def test_the_host_header_may_name_a_virtual_host_on_an_address(http_server: str) -> None:
    result = check(f"{http_server}/echo", headers={"Host": "www.studio-bianchi.example"},
                   expect={"json_path": {"headers.host": "www.studio-bianchi.example"}})
    assert result.status == Status.UP, result.reason


def test_a_header_with_a_line_break_is_refused_before_sending(http_server: str) -> None:
    assert_down(check(f"{http_server}/ok", headers={"X-Bad": "a\r\nX-Injected: 1"}),
                "invalid request: header 'X-Bad' contains a line break or a colon")


def test_an_interim_103_answer_is_skipped_for_the_real_one(http_server: str) -> None:
    result = check(f"{http_server}/early-hints", expect={"status": 200, "body_contains": "Studio"})
    assert result.status == Status.UP, result.reason


# Redirects


def test_redirects_are_followed_to_the_final_page(http_server: str) -> None:
    result = check(f"{http_server}/redirect", expect={"status": 200, "body_contains": "Studio"})
    assert result.status == Status.UP, result.reason
    assert result.details["url"] == f"{http_server}/ok"
    assert result.details["redirects"] == 1


def test_absolute_redirects_are_followed(http_server: str) -> None:
    result = check(f"{http_server}/redirect-absolute", expect={"status": 200})
    assert result.status == Status.UP, result.reason


def test_redirects_are_not_followed_when_told_not_to(http_server: str) -> None:
    assert check(f"{http_server}/redirect", follow_redirects=False, expect={"status": 302}).status == Status.UP
    assert_down(check(f"{http_server}/redirect", follow_redirects=False, expect={"status": 200}),
                "status 302, expected 200")


def test_five_redirects_are_followed_and_a_sixth_is_too_many(http_server: str) -> None:
    assert check(f"{http_server}/chain/5", expect={"status": 200}).status == Status.UP
    assert_down(check(f"{http_server}/chain/6"), "too many redirects (5)")


def test_a_redirect_loop_is_down(http_server: str) -> None:
    assert_down(check(f"{http_server}/redirect-loop"), "too many redirects (5)")


def test_303_turns_a_post_into_a_get_and_307_keeps_it(http_server: str) -> None:
    after_303 = run(httpclient.request("POST", f"{http_server}/redirect-303", body="data"))
    after_307 = run(httpclient.request("POST", f"{http_server}/redirect-307", body="data"))
    assert (json.loads(after_303.body)["method"], json.loads(after_303.body)["body"]) == ("GET", "")
    assert (json.loads(after_307.body)["method"], json.loads(after_307.body)["body"]) == ("POST", "data")


def test_credentials_follow_a_redirect_on_the_same_server(http_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_PASSWORD", AUTH_PASSWORD)
    result = check(f"{http_server}/redirect-auth", basic_auth={"user": AUTH_USER, "password_env": "STUDIO_PASSWORD"},
                   expect={"status": 200})
    assert result.status == Status.UP, result.reason


def test_credentials_do_not_follow_a_redirect_to_another_server(http_server: str, https_server: str,
                                                               trust_test_ca: None,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_PASSWORD", AUTH_PASSWORD)
    result = check(f"{http_server}/redirect-to?{https_server}/auth",
                   basic_auth={"user": AUTH_USER, "password_env": "STUDIO_PASSWORD"})
    assert_down(result, "status 401, expected 200-399")
    assert result.details["url"] == f"{https_server}/auth"


def test_a_redirect_to_another_scheme_is_down(http_server: str) -> None:
    assert_down(check(f"{http_server}/redirect-ftp"), "redirect to an unsupported location 'ftp://files.example/'")


# Broken servers and networks


def test_a_non_http_answer_is_an_invalid_response(http_server: str) -> None:
    assert_down(check(f"{http_server}/garbage"), "invalid HTTP response from server")


def test_a_server_that_closes_without_answering_is_down(http_server: str) -> None:
    assert_down(check(f"{http_server}/silent"), "server closed the connection without a response")


def test_a_body_cut_short_is_down(http_server: str) -> None:
    assert_down(check(f"{http_server}/cut-short"), "connection closed before the response was complete")


def test_a_hung_server_times_out_after_the_spec_timeout(http_server: str) -> None:
    assert_down(check(f"{http_server}/hang", timeout="300ms"), "timed out after 300ms")


def test_nobody_listening_is_connection_refused(refused_port: int) -> None:
    assert_down(check(f"http://127.0.0.1:{refused_port}/"), "connection refused")


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    assert_down(check("http://nohost.invalid/", timeout="5s"), "DNS: cannot resolve 'nohost.invalid'")


# HTTPS


def test_https_with_a_trusted_certificate_is_up(https_server: str, trust_test_ca: None) -> None:
    result = check(f"{https_server}/ok", expect={"body_contains": "Studio"})
    assert result.status == Status.UP, result.reason


def test_https_redirects_are_followed(https_server: str, trust_test_ca: None) -> None:
    result = check(f"{https_server}/redirect-absolute", expect={"status": 200})
    assert result.status == Status.UP, result.reason
    assert result.details["url"] == f"{https_server}/ok"


def test_an_expired_certificate_is_down(expired_server: str, trust_test_ca: None) -> None:
    assert_down(check(f"{expired_server}/ok"), "TLS: certificate has expired")


def test_a_self_signed_certificate_is_down(self_signed_server: str, trust_test_ca: None) -> None:
    assert_down(check(f"{self_signed_server}/ok"), "TLS: self-signed certificate")


def test_a_certificate_for_another_host_is_down(wrong_host_server: str, trust_test_ca: None) -> None:
    assert_down(check(f"{wrong_host_server}/ok"), "TLS: certificate is not valid for 'localhost'")


def test_a_certificate_from_an_unknown_authority_is_down(untrusted_server: str, trust_test_ca: None) -> None:
    assert_down(check(f"{untrusted_server}/ok"), "TLS: certificate signed by an unknown authority")


def test_verify_tls_false_accepts_a_self_signed_certificate(self_signed_server: str) -> None:
    result = check(f"{self_signed_server}/ok", verify_tls=False, expect={"body_contains": "Studio"})
    assert result.status == Status.UP, result.reason


def test_a_ca_can_be_given_to_the_client_directly(https_server: str, test_ca: Any) -> None:
    import ssl

    context = ssl.create_default_context()
    test_ca.configure_trust(context)
    response = run(httpclient.request("GET", f"{https_server}/ok", ssl_context=context))
    assert response.status == 200
    assert response.headers["X-Served-By"] == "custode-test"
