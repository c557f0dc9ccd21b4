from django.core.management.base import BaseCommand

from custode.lib.database import require_migrated
from custode.server.web import serve


class Command(BaseCommand):
    help = "Run the web server (UI, API, status pages, heartbeat pings) on CUSTODE_LISTEN until SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--access-log", action="store_true", help="log every request")

    def handle(self, *args, access_log, **options):
        require_migrated()
        serve(access_log=access_log)
