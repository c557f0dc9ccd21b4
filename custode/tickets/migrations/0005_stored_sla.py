"""Tickets store their whole SLA clock (warning times, pauses, state but for the time) for pages to read, and
the queue's order (by due time, then number) has its indexes. Every ticket's figures are marked for
recomputation (the notifier does it within 30 s; until then they are worked out when read)."""

from django.db import migrations, models


def recompute_all(apps, schema_editor):
    apps.get_model("tickets", "Ticket").objects.update(sla_basis="")


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0004_attachment_of_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="first_response_warn",
            field=models.DateTimeField(blank=True, help_text="75 % of the first response target", null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="resolution_warn",
            field=models.DateTimeField(blank=True, help_text="75 % of the resolution target", null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="paused_seconds",
            field=models.FloatField(default=0, help_text="how long the clock stood paused, in pauses ended"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="paused_since",
            field=models.DateTimeField(blank=True, help_text="when the pause still open began", null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_state",
            field=models.CharField(blank=True, help_text="the clock but for the time: running, paused, met, breached "
                                                         "(met late); empty without a promise. Warning and breach by "
                                                         "the time are read against the due times", max_length=8),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="sla_basis",
            field=models.CharField(blank=True, help_text="what the SLA figures were computed from; a change "
                                                         "recomputes them", max_length=64),
        ),
        migrations.RemoveIndex(model_name="ticket", name="tickets_queue"),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["status", "next_due", "number"], name="tickets_queue"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["next_due", "number"], name="tickets_due"),
        ),
        migrations.RunPython(recompute_all, migrations.RunPython.noop),
    ]
