import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from custode.server import supervisor
from custode.server.services import admin_create, admin_needed
from custode.server.welcome import print_welcome


class Command(BaseCommand):
    help = "Run everything on this machine: migrate, web server, engine, notifier; prints the URL and how to log in."

    def handle(self, *args, **options):
        address = supervisor.connect_address(*settings.LISTEN)
        if supervisor.accepts(address):
            self.stderr.write(f"something already listens on {address[0]}:{address[1]}; "
                              "stop it or set CUSTODE_LISTEN to another host:port")
            sys.exit(1)
        call_command("migrate", verbosity=0, interactive=False)
        username, password = first_run_admin()
        connections.close_all()
        stop = supervisor.StopFlag()
        stop.install()
        children = supervisor.start()
        pids = {name: proc.pid for name, proc in children.items()}
        code = supervisor.supervise(children, stop, address, report=self.report,
                                    on_ready=lambda: print_welcome(pids=pids, username=username, password=password))
        sys.exit(code)

    def report(self, message: str) -> None:
        self.stderr.write(f"custode up: {message}")


def first_run_admin() -> tuple[str | None, str | None]:
    """The administrator created on the first run, with its one-time password; (None, None) afterwards."""
    if not admin_needed():
        return None, None
    user, password, _ = admin_create(username="admin", email="", password=None)
    return user.username, password
