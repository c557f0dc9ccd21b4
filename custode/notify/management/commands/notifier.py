from django.core.management.base import BaseCommand

from custode.lib.database import require_migrated
from custode.notify.notifier import check_settings, run


class Command(BaseCommand):
    help = "Run the notifier until SIGTERM or Ctrl-C: incidents from state changes, then outbox delivery."

    def handle(self, *args, **options):
        check_settings()
        require_migrated()
        run()
