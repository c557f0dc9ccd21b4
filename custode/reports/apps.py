from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "custode.reports"
    label = "reports"

    def ready(self) -> None:
        from custode.notify import attached
        from custode.reports.models import MonthlyReport

        # the monthly e-mail names its report ("report:<id>"); the deliverer reads the archived bytes when it sends
        attached.register("report", lambda pk: MonthlyReport.objects.filter(pk=int(pk)).values_list(
            "pdf", flat=True).first())
