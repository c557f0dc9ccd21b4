"""``custode-agent``: the commands of DESIGN.md's "Agent" contract: ``enroll``, ``run``, ``backup``, ``restore-test``."""

from __future__ import annotations

import argparse
import sys

from custode_agent import backup, reporting, restore

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
    _restore_test(commands)
    _enroll_and_run(commands)
    return top


def _enroll_and_run(commands) -> None:
    enroll = commands.add_parser(
        "enroll", help="trade an enrolment token for this machine's credential, kept in --config",
        description="Asks the server for this machine's own credential with a token from `custode agent-token "
        "create --asset ID` (single use, expiring) and writes it, with the server's URL, to --config (mode 0600). "
        "Exits 0 when enrolled, 1 when the server refused the token, 75 when it could not be reached.")
    enroll.add_argument("--server", required=True, metavar="URL", help="the Custode server (https://custode.example)")
    enroll.add_argument("--token", required=True, metavar="T", help="the enrolment token")
    enroll.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help=f"where to keep the credential "
                        f"(default {DEFAULT_CONFIG})")
    enroll.add_argument("--timeout", type=float, default=10.0, help="seconds for the server to answer")
    run = commands.add_parser(
        "run", help="report this machine to the server every minute (--once: one report, then exit)",
        description="Measures load, CPU, memory, swap, disks, network, uptime, chosen services, pending updates "
        "and the inventory, and sends it every minute (give or take a few seconds). Reports wait on disk while "
        "the server is away and go in order when it is back. With --once: exits 0 when everything was sent, 75 "
        "when reports are left waiting.")
    run.add_argument("--once", action="store_true", help="report once and exit")
    run.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help=f"the config enroll wrote "
                     f"(default {DEFAULT_CONFIG})")
    run.add_argument("--timeout", type=float, default=10.0, help="seconds for each report to the server")


def _restore_test(commands) -> None:
    test = commands.add_parser(
        "restore-test", help="restore a sample of the newest snapshot, verify it, and report the test",
        description="Restores a random sample of the newest snapshot's files (always with the largest) into a "
        "temporary directory, verifies them against the repository's hashes (restic check and restore --verify; "
        "borg extract), loads a database dump into a scratch database and counts its tables and rows, and "
        "reports to the job's URL/restore-test. Exits 0 when the test passed, 1 when it failed, 75 when it could "
        "not be reported. Passwords as the tools read them: RESTIC_PASSWORD(_FILE), BORG_PASSPHRASE/"
        "BORG_PASSCOMMAND, PGPASSWORD or the URL's.")
    test.add_argument("--job", required=True, metavar="REPORT_URL", help="the job's report_url (/backup/<uuid>)")
    repo = test.add_mutually_exclusive_group()
    repo.add_argument("--restic", metavar="REPO", help="the restic repository (as restic -r takes it)")
    repo.add_argument("--borg", metavar="REPO", help="the borg repository")
    test.add_argument("--sample", type=_positive, default=restore.DEFAULT_SAMPLE, metavar="N",
                      help=f"files to restore (default {restore.DEFAULT_SAMPLE}; the largest is always one)")
    test.add_argument("--dump", metavar="FILE", help="a database dump to load: its path in the snapshot (as backed "
                      "up) with --restic/--borg, else a local file; needs --postgres or --mysql")
    server = test.add_mutually_exclusive_group()
    server.add_argument("--postgres", metavar="URL", help="PostgreSQL server for the scratch database "
                        "(postgresql://user@host:5432/postgres); the dump is plain SQL, gzipped or not, or -Fc")
    server.add_argument("--mysql", metavar="URL", help="MariaDB/MySQL server for the scratch database "
                        "(mysql://root@127.0.0.1:3306); the dump is one database's mysqldump, gzipped or not")
    test.add_argument("--tmpdir", metavar="DIR", help="where to restore (default: the system's temporary directory; "
                      "needs room for the sample, the largest file included)")
    test.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH", help="the agent's config (not needed here)")
    test.add_argument("--timeout", type=float, default=10.0, help="seconds for the report to the server")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} files: give at least 1")
    return number


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(argv)
    if args.command == "restore-test":
        return _run_restore_test(top, args)
    if args.command == "enroll":
        return reporting.enroll(server=args.server, token=args.token, path=args.config, timeout=args.timeout,
                                out=sys.stdout, err=sys.stderr)
    if args.command == "run":
        return reporting.run(path=args.config, once=args.once, timeout=args.timeout, err=sys.stderr)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        top.error("backup: give the command to run after --, e.g. -- restic backup --json /srv")
    return backup.run_and_report(args.job, cmd, timeout=args.timeout, out=sys.stdout, err=sys.stderr)


def _run_restore_test(top: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    engine = "postgres" if args.postgres else "mysql" if args.mysql else None
    url = args.postgres or args.mysql
    if not (args.restic or args.borg or args.dump):
        top.error("restore-test: give the repository to test (--restic REPO or --borg REPO), or a --dump FILE")
    if args.dump and not engine:
        top.error("restore-test: --dump needs the server to load it into: --postgres URL or --mysql URL")
    if engine and not args.dump:
        top.error(f"restore-test: --{engine} needs the --dump FILE to load")
    repo = restore.Restic(args.restic) if args.restic else restore.Borg(args.borg) if args.borg else None
    return restore.restore_test_and_report(args.job, timeout=args.timeout, out=sys.stdout, err=sys.stderr, repo=repo,
                                           sample=args.sample, dump=args.dump, engine=engine, url=url,
                                           tmpdir=args.tmpdir)
