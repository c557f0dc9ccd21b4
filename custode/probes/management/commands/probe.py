from django.core.management.base import BaseCommand

from custode.probes.main import run


class Command(BaseCommand):
    help = ("Run a remote probe: the check engine for one location, fetching its monitors from the server and "
            "posting results over HTTPS; no database here. Until SIGTERM or Ctrl-C.")
    requires_system_checks = []  # no database, no models of its own to check: a probe machine has neither

    def add_arguments(self, parser):
        parser.add_argument("--server", required=True, metavar="URL",
                            help="the server, like https://custode.example.com")
        parser.add_argument("--token", required=True, metavar="T", help="the probe's token (`custode probes add NAME`)")
        parser.add_argument("--location", required=True, metavar="NAME", help="the location it checks from")
        parser.add_argument("--ca-file", metavar="PEM", help="the CA that signed the server's certificate, if private")

    def handle(self, *args, server, token, location, ca_file, **options):
        run(url=server, token=token, location=location, ca_file=ca_file)
