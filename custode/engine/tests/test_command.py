"""`custode engine` as a real process: it reports what it loaded and stops cleanly on SIGTERM."""

from __future__ import annotations

import json

from custode.server.tests.processes import custode_env, migrate, running


def test_engine_prints_a_stats_line_at_start_and_exits_0_on_sigterm(tmp_path):
    env = custode_env(tmp_path)
    migrate(env)
    with running("engine", env=env) as engine:
        stats = json.loads(engine.wait_for(r'^\{"event": "engine.stats".*\}$').group(0))
        assert stats["monitors"] == 0
        assert stats["checks"] == 0
        assert engine.stop(timeout=5) == 0


def test_engine_refuses_a_database_that_is_not_migrated(tmp_path):
    with running("engine", env=custode_env(tmp_path)) as engine:
        assert engine.proc.wait(60) == 1
        engine.wait_for(r"the database is not up to date: run `custode migrate`", timeout=5)
