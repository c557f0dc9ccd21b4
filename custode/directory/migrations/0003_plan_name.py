from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_plan_uptime_target"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="name",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
