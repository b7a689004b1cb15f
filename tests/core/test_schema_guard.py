"""The suite-wide guard (tests/conftest.py) can fail: a GC whose event breaks its
schema is caught from its log, for a child process and in-process alike."""
from __future__ import annotations

import logging

from gc_core import testing as gc_testing
from gc_core.testing import GCProcess

from ..support import sim_config


def test_a_child_process_log_line_is_found(tmp_path):
    with GCProcess(sim_config(), workdir=tmp_path) as proc:
        assert proc.schema_problems() == []  # a fresh GC logs none
        # what gc_core.app logs for a bad event, appended as GC's own log handler would
        with open(proc.log_path, "ab") as f:
            f.write(f"ERROR gc.app {gc_testing.SCHEMA_LOG_MARK}: 'x' is not valid\n".encode())
        assert [gc_testing.SCHEMA_LOG_MARK in line for line in proc.schema_problems()] == [True]
        assert proc.schema_problems() == []  # reported once


def test_the_in_process_handler_sees_the_app_logger(no_event_fails_its_schema):
    handler = next(h for h in logging.getLogger().handlers if type(h).__name__ == "_SchemaLog")
    logging.getLogger("gc").error("%s: %s", gc_testing.SCHEMA_LOG_MARK, "'InboundCall' bad")
    assert handler.lines and gc_testing.SCHEMA_LOG_MARK in handler.lines[-1]
    handler.lines.clear()  # this test's own line must not fail it
