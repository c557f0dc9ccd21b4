"""What the engine found: raw check results, hourly rollups, state changes, and heartbeat pings.

State changes are the engine's output to the rest of Custode (incidents read them); each is
written exactly once, in the same transaction that moves the monitor's state.
"""

from __future__ import annotations

from django.db import models

from custode.monitors.models import State


class CheckResult(models.Model):
    """One check run. Kept for CUSTODE_RESULTS_RETENTION (14 days by default), then pruned.

    No index but the primary key: results are appended in time order, pruning bisects ids, and
    per-monitor history reads the hourly rollups. An index per monitor would make every batch rewrite
    one index page per monitor checked. So a deleted monitor's results are not deleted with it (that
    would read the whole table): they stay, unreferenced, until pruning takes them with their age.
    """

    monitor = models.ForeignKey("monitors.Monitor", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                db_constraint=False)
    at = models.DateTimeField()
    status = models.CharField(max_length=12)
    latency_ms = models.FloatField(blank=True, null=True)
    reason = models.CharField(max_length=300, blank=True)


class Rollup(models.Model):
    """Per monitor and hour: how many checks, how many up, and latency; kept forever for uptime figures."""

    monitor = models.ForeignKey("monitors.Monitor", on_delete=models.CASCADE, related_name="+", db_index=False)
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    up_count = models.PositiveIntegerField(default=0)
    latency_sum = models.FloatField(default=0)
    latency_count = models.PositiveIntegerField(default=0)
    latency_min = models.FloatField(blank=True, null=True)
    latency_max = models.FloatField(blank=True, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["monitor", "hour"], name="rollup_per_monitor_hour")]


class StateChange(models.Model):
    monitor = models.ForeignKey("monitors.Monitor", on_delete=models.CASCADE, related_name="state_changes")
    at = models.DateTimeField()
    from_state = models.CharField(max_length=12, choices=State.choices)
    to_state = models.CharField(max_length=12, choices=State.choices)
    reason = models.CharField(max_length=300, blank=True)
    # Of a DOWN: when its streak of failed checks began (the first failed one), which the engine knows and the
    # change's time does not say: a server checked fine before then had not yet been checked since the failure.
    failing_since = models.DateTimeField(blank=True, null=True)
    processed_at = models.DateTimeField(blank=True, null=True, help_text="when incidents consumed it")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["processed_at", "id"])]


class Ping(models.Model):
    """A heartbeat received at /ping/<uuid>[/start|/fail|/log|/<exit code>].

    A ``log`` ping only keeps its body: it says nothing of the job's health and moves no state.

    No foreign-key constraint in the database: a monitor removed while its job still pings could
    otherwise fail either side. The ping writer checks each batch's tokens in the transaction that
    stores it (so a removed monitor's ping is answered 404), and removing a monitor deletes its pings
    here, but on PostgreSQL a ping committed between the two is left behind, unreferenced, rather than
    failing the removal with "still referenced from table results_ping".
    """

    class Kind(models.TextChoices):
        SUCCESS = "success"
        START = "start"
        FAIL = "fail"
        LOG = "log"

    monitor = models.ForeignKey("monitors.Monitor", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    exit_code = models.PositiveSmallIntegerField(blank=True, null=True, help_text="from /ping/<uuid>/<exit code>")
    remote = models.CharField(max_length=64, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["monitor", "at"])]


class LocationState(models.Model):
    """What one location sees of a monitor checked from several (``locations``): the engine of that location
    keeps it, and the monitor's own state is the verdict over them (``custode.engine.quorum``).

    ``last_check_at`` says whether the location still speaks: one silent for longer than three intervals and a
    timeout (its engine dead) is not counted in the verdict. Monitors with one location have no rows here."""

    monitor = models.ForeignKey("monitors.Monitor", on_delete=models.CASCADE, related_name="location_states",
                                db_index=False)
    location = models.CharField(max_length=32)
    state = models.CharField(max_length=12, choices=State.choices, default=State.UNKNOWN)
    reason = models.CharField(max_length=300, blank=True)
    since = models.DateTimeField(blank=True, null=True)
    last_check_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["monitor", "location"]
        constraints = [models.UniqueConstraint(fields=["monitor", "location"], name="location_state_per_monitor")]
