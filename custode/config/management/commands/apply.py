from django.core.management.base import BaseCommand, CommandError

from custode.config.apply import apply_file
from custode.config.report import print_report
from custode.config.source import ConfigErrors
from custode.lib.database import require_migrated


class Command(BaseCommand):
    help = "Apply a config file: validate all of it, then write it in one transaction, or nothing."

    def add_arguments(self, parser):
        parser.add_argument("-f", "--file", required=True, help="the YAML file, e.g. custode.yaml")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
        parser.add_argument("--prune", action="store_true", help="remove objects that are not in the file")

    def handle(self, *args, file, dry_run, prune, **options):
        require_migrated()
        try:
            report = apply_file(file, prune=prune, dry_run=dry_run)
        except ConfigErrors as e:
            for line in e.lines():
                self.stderr.write(line)
            raise CommandError(f"{len(e.problems)} error(s); nothing was applied") from None
        print_report(report, self.stdout)
