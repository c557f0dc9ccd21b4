from django.core.management.base import BaseCommand

from custode.engine.main import run
from custode.lib.database import require_migrated


class Command(BaseCommand):
    help = "Run the check engine until SIGTERM or Ctrl-C; prints a JSON stats line every 10 s."

    def add_arguments(self, parser):
        parser.add_argument("--location", default="local",
                            help="check the monitors whose locations name this one (default: local)")
        parser.add_argument("--source-address", metavar="IP",
                            help="connect from this local address: honoured by the http, tls, tcp, smtp and dns "
                                 "checks (not ping, mysql, postgres, redis); default: the system's choice")

    def handle(self, *args, **options):
        require_migrated()
        run(options["location"], options["source_address"])
