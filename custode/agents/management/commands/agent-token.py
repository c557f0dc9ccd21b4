from django.core.management.base import BaseCommand, CommandError

from custode.agents.services import TOKEN_LIFETIME, agent_token_create
from custode.lib import durations
from custode.lib.changes import NotFound
from custode.lib.database import require_migrated


def _duration(text: str) -> float:
    try:
        seconds = durations.parse(text)
    except ValueError:
        raise CommandError(f"--expires {text!r}: give a duration like 30m, 24h, 7d") from None
    if seconds <= 0:
        raise CommandError(f"--expires {text!r}: give a duration longer than nothing")
    return seconds


class Command(BaseCommand):
    help = "Create a single-use enrolment token for an asset's agent; it is printed once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token: custode-agent enroll --token takes it")
        create.add_argument("--asset", required=True, metavar="ID", help="the asset the agent runs on")
        create.add_argument("--expires", default=durations.format(TOKEN_LIFETIME), metavar="DURATION",
                            help="how long it can be used (default 24h)")

    def handle(self, *args, action, asset, expires, **options):
        require_migrated()
        lifetime = _duration(expires)
        try:
            token, secret = agent_token_create(asset=asset, expires=lifetime)
        except NotFound:
            raise CommandError(f"no asset {asset!r}") from None
        self.stdout.write(f"{secret}\n")
        self.stderr.write(f"enrolment token for asset {asset!r}, single use, valid until "
                          f"{token.expires_at.isoformat(timespec='seconds')}; it will not be shown again.\n"
                          f"On the machine: custode-agent enroll --server URL --token {secret}")
