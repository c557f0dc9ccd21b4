from django.core.management.base import BaseCommand

from custode.config.export import export_yaml
from custode.lib.database import require_migrated


class Command(BaseCommand):
    help = "Print the current configuration as YAML that `custode apply` takes back with no changes."

    def handle(self, *args, **options):
        require_migrated()
        self.stdout.write(export_yaml(), ending="")
