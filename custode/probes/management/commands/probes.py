from django.core.management.base import BaseCommand, CommandError

from custode.lib.changes import Invalid, NotFound
from custode.lib.database import require_migrated
from custode.probes.services import ProbeExists, probe_add, probe_list, probe_revoke


def _when(at) -> str:
    return at.isoformat(timespec="seconds") if at else "never"


class Command(BaseCommand):
    help = "Add, list and revoke remote probes (one per location; see `custode probe`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add the probe of location NAME; its token is printed once")
        add.add_argument("name", metavar="NAME", help="the location it checks from, like milan")
        sub.add_parser("list", help="every probe: location, when it was last heard from, revoked or not")
        revoke = sub.add_parser("revoke", help="refuse the probe's token from now on")
        revoke.add_argument("name", metavar="NAME")

    def handle(self, *args, action, **options):
        require_migrated()
        getattr(self, f"_{action}")(options.get("name"))

    def _add(self, name: str) -> None:
        try:
            probe, secret = probe_add(name=name)
        except (Invalid, ProbeExists) as e:
            raise CommandError(getattr(e, "message", str(e))) from None
        self.stdout.write(f"{secret}\n")
        self.stderr.write(f"token of probe {probe.name!r}; it will not be shown again. Where the probe runs:\n"
                          f"custode probe --server https://THIS-SERVER --token {secret} --location {probe.name}")

    def _list(self, _name: None) -> None:
        probes = probe_list()
        if not probes:
            self.stdout.write("no probes: `custode probes add NAME` adds one\n")
        for p in probes:
            state = f"revoked {_when(p.revoked_at)}" if p.revoked_at else ("silent" if p.silent_since else "active")
            self.stdout.write(f"{p.name}\t{state}\tlast seen {_when(p.last_seen_at)}\tadded {_when(p.created_at)}\n")

    def _revoke(self, name: str) -> None:
        try:
            probe = probe_revoke(name=name)
        except NotFound:
            raise CommandError(f"no probe {name!r} (`custode probes list` shows them)") from None
        self.stdout.write(f"probe {probe.name!r} revoked at {_when(probe.revoked_at)}\n")
