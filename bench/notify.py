#!/usr/bin/env python3
"""bench/notify: from a confirmed DOWN to the customers' e-mails at a real SMTP server (story 1).

Applies the forty-sites world (one provider server, 40 customer sites on it across 12 customers in
it/en/es) with every monitor on a loopback HTTP target, runs the real `custode engine` and
`custode notifier` against an aiosmtpd server in this process, stops the target, and prints, measured
in this run:
  1. latency from the server's DOWN state change (the confirmed failure) to each customer e-mail
     accepted by the SMTP server: p50, p99, max (goal p99 <= 5 s);
  2. the same e-mails handed to the same SMTP server by a bare smtplib client, one connection each,
     as the reference: Custode's p99 against the reference's time for all of them;
  3. that every contact got exactly one "opened" and, once the target is back, one "resolved" e-mail,
     and the on-call technician exactly one alert of each.

Usage: bench/notify.py [--rounds 3] [--port-range LOW-HIGH] [--postgres URL]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

from common import add_arguments, configured, ROOT, custode, custode_env, free_port, setup_django, stop

sys.path.insert(0, str(ROOT))


class Mailbox:
    """aiosmtpd handler keeping each message with the time it was accepted."""

    def __init__(self) -> None:
        self.received: list[tuple[float, EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((time.time(), message))
        return "250 2.0.0 queued"

    def to(self, address: str) -> list[tuple[float, EmailMessage]]:
        return [(at, m) for at, m in self.received if address in m["To"]]


def wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")


def all_up() -> bool:
    from custode.monitors.models import Monitor

    return not Monitor.objects.exclude(state="up").exists()


def server_down_at() -> float:
    from custode.results.models import StateChange

    change = StateChange.objects.filter(monitor__key="vps-01-http", to_state="down").order_by("-id").first()
    return change.at.timestamp() if change else 0.0


def reference_seconds(port: int, messages: list[EmailMessage]) -> float:
    """The same e-mails handed over by a bare smtplib client, one connection each, in a row."""
    started = time.perf_counter()
    for message in messages:
        with smtplib.SMTP("127.0.0.1", port) as client:
            del message["Message-ID"]
            client.send_message(message)
    return time.perf_counter() - started


def one_round(mailbox: Mailbox, target: "harness.Target", addresses: dict[str, str]) -> tuple[dict, "harness.Target"]:
    start = len(mailbox.received)
    target.close()
    expected = len(addresses) + 1  # every contact, and the on-call technician
    wait(lambda: len(mailbox.received) - start >= expected, 120, f"{expected} e-mails")
    down_at = wait(server_down_at, 10, "the server's DOWN")
    time.sleep(2)  # anything sent twice would arrive now
    opened = mailbox.received[start:]
    latencies = [at - down_at for at, m in opened if m["To"] and _address(m) in addresses]
    target = type(target)([200], port=target.port)  # the server is back, on the same address
    resolved_from = len(mailbox.received)
    wait(lambda: len(mailbox.received) - resolved_from >= expected, 120, f"{expected} resolved e-mails")
    time.sleep(2)
    resolved = mailbox.received[resolved_from:]
    return {"latencies": latencies, "opened": Counter(_address(m) for _, m in opened),
            "resolved": Counter(_address(m) for _, m in resolved), "messages": [m for _, m in opened]}, target


def _address(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    add_arguments(parser)
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    from custode.testing.scenarios import contact_addresses, forty_sites

    mailbox = Mailbox()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    addresses = contact_addresses()
    with configured(args) as database, tempfile.TemporaryDirectory(prefix="custode-bench-notify-") as data_dir:
        setup_django(data_dir)
        from custode.engine.tests.harness import Target

        target = Target([200])
        url = target.url
        config = Path(data_dir) / "forty-sites.yaml"
        config.write_text(forty_sites(server_url=url, site_url=url, interval="5s", retries=1))
        env = custode_env(data_dir, CUSTODE_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", CUSTODE_INCIDENT_STABLE="5s",
                          CUSTODE_BASE_URL="https://custode.example")
        subprocess.run([sys.executable, "-m", "custode", "apply", "-f", str(config)], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        processes = [custode("engine", env=env, stdout=subprocess.DEVNULL),
                     custode("notifier", env=env, stdout=subprocess.DEVNULL)]
        try:
            wait(all_up, 60, "every monitor UP")
            rounds = []
            for n in range(args.rounds):
                outcome, target = one_round(mailbox, target, addresses)
                rounds.append(outcome)
                wait(all_up, 60, "every monitor UP again")
                time.sleep(1)
        finally:
            for process in processes:
                stop(process)
    controller.stop()
    target.close()
    report(rounds, addresses, smtp_port)
    return 0


def report(rounds: list[dict], addresses: dict[str, str], smtp_port: int) -> None:
    latencies = sorted(x for r in rounds for x in r["latencies"])
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"Story 1, {len(rounds)} outage(s) of a server with 40 sites, {len(addresses)} customer contacts")
    print(f"  DOWN confirmed -> customer e-mail accepted by SMTP: p50 {statistics.median(latencies):.2f} s, "
          f"p99 {p99:.2f} s, max {latencies[-1]:.2f} s over {len(latencies)} e-mails (goal p99 <= 5 s)")
    messages = rounds[-1]["messages"]
    reference = reference_seconds_on_fresh_server(messages)
    print(f"  reference: the same {len(messages)} e-mails by a bare smtplib client, one connection each: "
          f"{reference * 1000:.0f} ms for all; Custode's p99 is {p99 / reference:.0f}x that")
    for n, r in enumerate(rounds, 1):
        once = all(r["opened"][a] == 1 and r["resolved"][a] == 1 for a in addresses)
        staff = (r["opened"]["domenico@retesicura.example"], r["resolved"]["domenico@retesicura.example"])
        extra = sum(r["opened"].values()) + sum(r["resolved"].values()) - 2 * (len(addresses) + 1)
        print(f"  round {n}: every contact one 'opened' and one 'resolved' e-mail: {'yes' if once else 'NO'}; "
              f"on-call alerts opened/resolved {staff[0]}/{staff[1]}; other e-mails {extra}")


def reference_seconds_on_fresh_server(messages: list[EmailMessage]) -> float:
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        return reference_seconds(port, messages)
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
