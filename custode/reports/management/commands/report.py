import sys

from django.core.management.base import BaseCommand

from custode.lib.changes import Invalid, NotFound
from custode.lib.database import require_migrated
from custode.reports.services import report_html, report_make


class Command(BaseCommand):
    help = ("Write a customer's monthly report: custode report --customer ID --month YYYY-MM "
            "[--format pdf|html] [--language it|en|es] -o FILE. A PDF is archived too (staff pages, portal).")

    def add_arguments(self, parser):
        parser.add_argument("--customer", required=True, metavar="ID", help="the customer's id (key)")
        parser.add_argument("--month", required=True, metavar="YYYY-MM", help="a month that is over")
        parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
        parser.add_argument("--language", choices=["it", "en", "es"], help="default: the customer's")
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it; - for stdout")

    def handle(self, *args, customer, month, format, language, output, **options):
        require_migrated()
        try:
            if format == "html":
                data = report_html(customer=customer, month=month, language=language).encode()
            else:
                data = bytes(report_make(customer=customer, month=month, language=language).pdf)
        except NotFound:
            self._refuse(f"custode report: no customer {customer!r}")
        except Invalid as e:
            self._refuse(f"custode report: --month: {e.message}")
        if output == "-":
            sys.stdout.buffer.write(data)
        else:
            with open(output, "wb") as out:
                out.write(data)
            self.stderr.write(f"{format.upper()} report of {customer} for {month}: {output} ({len(data)} bytes)")

    @staticmethod
    def _refuse(message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.exit(2)
