"""Shared fixtures: a GC process on free ports (sim backend) and clients for it; and
the suite-wide check that no event GC sends ever fails its own schema."""
from __future__ import annotations

import logging

import pytest

from gc_core import testing as gc_testing
from gc_core.testing import GCProcess


class _SchemaLog(logging.Handler):
    """In-process GCs: the same log line, caught where it is logged."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines: list = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if gc_testing.SCHEMA_LOG_MARK in message:
            self.lines.append(message)


@pytest.fixture(autouse=True)
def no_event_fails_its_schema():
    """Fails the test during which any GC (a ``gc serve`` child process of this
    session, or a connector in this process) sent an event that failed its schema:
    GC logs that (gc.validate_events, on for every test GC) and would send it anyway."""
    handler = _SchemaLog()
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
    problems = list(handler.lines)
    for proc in list(GCProcess.live):
        problems += proc.schema_problems()
    problems += gc_testing.stopped_schema_problems
    gc_testing.stopped_schema_problems.clear()
    if problems:
        pytest.fail("GC sent events that fail their schema:\n" + "\n".join(problems[:10]), pytrace=False)

from .support import sim_config


@pytest.fixture(scope="module")
def gc_server(tmp_path_factory):
    with GCProcess(sim_config(), workdir=tmp_path_factory.mktemp("gc")) as proc:
        yield proc


@pytest.fixture(params=["websocket", "tcp"])
def transport(request):
    return request.param


@pytest.fixture
def client(gc_server, transport):
    with gc_server.client(transport) as c:
        yield c
