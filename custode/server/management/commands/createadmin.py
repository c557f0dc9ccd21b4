import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from custode.lib.database import require_migrated
from custode.server.services import admin_create


class Command(BaseCommand):
    help = "Create an administrator, or reset the password of an existing user (a generated one is printed once)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="default: admin")
        parser.add_argument("--email", default="", help="the administrator's email address")
        parser.add_argument("--password", help="the password to set (default: ask, or generate one)")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="never ask; generate a password")

    def handle(self, *args, username, email, password, noinput, **options):
        require_migrated()
        if password is None and not noinput and sys.stdin.isatty():
            password = self.ask_password()
        try:
            user, password_set, created = admin_create(username=username, email=email, password=password)
        except ValidationError as e:
            raise CommandError(f"password refused: {' '.join(e.messages)}") from None
        done = "created administrator" if created else "reset the password of"
        if password is None:
            self.stderr.write(f"{done} {user.username!r}; the password below will not be shown again:")
            self.stdout.write(password_set)
        else:
            self.stderr.write(f"{done} {user.username!r} with the password given.")

    def ask_password(self) -> str | None:
        first = getpass.getpass("Password (empty to generate one): ")
        if not first:
            return None
        if getpass.getpass("Password again: ") != first:
            raise CommandError("the two passwords differ; nothing was changed")
        return first
