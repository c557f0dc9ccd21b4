"""SQLite runs one engine: a second `custode engine` on the same file refuses to start, saying why."""

from __future__ import annotations

from custode.server.tests.processes import custode_env, migrate, running

STATS = r'^\{"event": "engine.stats"'


def test_a_second_engine_on_one_sqlite_database_refuses_to_start_until_the_first_is_gone(tmp_path):
    env = custode_env(tmp_path)
    migrate(env)
    with running("engine", env=env) as first:
        first.wait_for(STATS)
        with running("engine", "--location", "milan", env=env) as second:
            assert second.proc.wait(60) == 1
            second.wait_for(r"another engine is already running on the SQLite database .*custode\.sqlite3: SQLite "
                            r"runs one engine\. To share the checks among several engines, use PostgreSQL", timeout=5)
        first.kill_group()  # SIGKILL: the lock goes with the process
    with running("engine", env=env) as after:
        after.wait_for(STATS)
        assert after.stop() == 0


def test_an_engine_refuses_a_location_that_is_not_a_name(tmp_path):
    env = custode_env(tmp_path)
    migrate(env)
    with running("engine", "--location", "Milan Centro", env=env) as engine:
        assert engine.proc.wait(60) == 1
        engine.wait_for(r"--location 'Milan Centro': must be a location name of lowercase letters", timeout=5)
