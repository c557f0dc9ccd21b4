import datetime as dt

from django.db import migrations, models


def _ends(apps, schema_editor):
    Window = apps.get_model("maintenance", "MaintenanceWindow")
    for window in Window.objects.all():
        Window.objects.filter(pk=window.pk).update(end=window.start + dt.timedelta(seconds=window.duration))


class Migration(migrations.Migration):

    dependencies = [
        ("maintenance", "0002_maintenancewindow_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="maintenancewindow",
            name="end",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(_ends, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="maintenancewindow",
            name="end",
            field=models.DateTimeField(db_index=True, editable=False),
        ),
    ]
