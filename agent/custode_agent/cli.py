"""``custode-agent``: the commands of DESIGN.md's "Agent" contract. Built so far: ``backup``."""

from __future__ import annotations

import argparse
import sys

from custode_agent import backup

DEFAULT_CONFIG = "/etc/custode-agent/agent.toml"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="custode-agent", description="Report to a Custode server.")
    commands = top.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "backup", help="run a backup command and report its run to the job's report URL",
        description="Runs CMD, times it, reads restic's (--json) or borg's (create --json) summary for bytes, files "
        "and the snapshot, or judges by the exit code alone for anything else (rsync, pg_dump, mysqldump), "
        "and reports to the job's URL. Exits with CMD's exit code.",
        usage="custode-agent backup --job REPORT_URL -- CMD [ARG...]")
    run.add_argument("--job", required=True, metavar="REPORT_URL", help="the job's report_url (/backup/<uuid>)")
    run.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help="the agent's config (not needed here)")
    run.add_argument("--timeout", type=float, default=10.0, help="seconds for each report to the server")
    run.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser().error("backup: give the command to run after --, e.g. -- restic backup --json /srv")
    return backup.run_and_report(args.job, cmd, timeout=args.timeout, out=sys.stdout, err=sys.stderr)
