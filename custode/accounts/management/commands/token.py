from django.core.management.base import BaseCommand, CommandError

from custode.accounts.services import token_create
from custode.lib.changes import NotFound
from custode.lib.database import require_migrated


class Command(BaseCommand):
    help = "Create an API token for a staff user; it is printed once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token")
        create.add_argument("username")
        create.add_argument("--write", action="store_true", help="allow changes (default: read-only)")
        create.add_argument("--name", default="api", help="what the token is for")
        create.add_argument("--customer", default=None, metavar="ID",
                            help="limit the token to one customer's objects (their own tools, a reseller)")

    def handle(self, *args, action, username, write, name, customer, **options):
        require_migrated()
        try:
            token, secret = token_create(username=username, name=name, can_write=write, customer=customer)
        except NotFound as e:
            if e.kind == "customer":
                raise CommandError(f"no customer {customer!r}") from None
            raise CommandError(f"no active user {username!r}; create one with `custode createadmin`") from None
        scope = "read-write" if token.can_write else "read-only"
        limited = f", limited to customer {customer!r}" if customer else ""
        self.stdout.write(f"{secret}\n")
        self.stderr.write(f"{scope} token {token.name!r} for {username}{limited}; it will not be shown again.")
