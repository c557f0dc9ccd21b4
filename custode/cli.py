"""The ``custode`` command: Custode's own commands first, Django's management commands passed through."""

from __future__ import annotations

import os
import sys

from custode.server import lifeline

COMMANDS = {
    "up": "run everything on one machine: migrate, web server, engine, notifier (prints the URL and how to log in)",
    "web": "run the web server (UI, API, status pages, heartbeat pings) on CUSTODE_LISTEN",
    "engine": "run the check engine",
    "notifier": "run the notifier: incidents from state changes, and delivery of e-mail, Apprise and webhooks",
    "apply": "apply a config file: custode apply -f custode.yaml [--dry-run] [--prune]",
    "export": "print the current configuration as YAML that applies back unchanged",
    "createadmin": "create an administrator, or reset the password of an existing user",
    "token": "create an API token: custode token create USERNAME [--write] [--name NAME]",
    "agent-token": "create an agent's enrolment token: custode agent-token create --asset ID [--expires 24h]",
    "probe": "run a remote probe: custode probe --server URL --token T --location NAME [--ca-file PEM]",
    "probes": "add, list or revoke remote probes: custode probes add|list|revoke [NAME]",
    "report": "write a customer's monthly report: custode report --customer ID --month YYYY-MM [--format pdf|html] -o FILE",
    "migrate": "bring the database schema up to date",
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: custode COMMAND [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "Every Django management command is available too; `custode COMMAND --help` for options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    lifeline.hold()
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custode.settings")
    from custode.lib.env import SettingError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["custode", *argv])
    except SettingError as e:
        sys.exit(f"custode: {e}")
