"""Issue #14: GC's own backends pass the backend conformance kit, loaded the way a
vendor's is: the kit's rows from gc_core.backend_kit, the ``gc_kit_target`` fixture
from the ``pytest11`` plugin gc_core.testing, each target from its installed
``gc.kit_targets`` entry point (``--gc-kit NAME`` on the command line overrides).

The example backend (examples/gc_backend_example) runs the same kit from its own
directory: see .ci/run.
"""
from __future__ import annotations

import importlib.metadata

from gc_core.backend_kit import KIT_GROUP, BackendKit


class TestBuiltinBackends(BackendKit):
    gc_kit_targets = ("sim", "finesse-ucce", "finesse-uccx")


def test_the_kit_is_installed_as_a_pytest_plugin_and_the_targets_as_entry_points():
    plugins = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    assert plugins.get("gc") == "gc_core.testing"
    targets = {ep.name for ep in importlib.metadata.entry_points(group=KIT_GROUP)}
    assert set(TestBuiltinBackends.gc_kit_targets) <= targets
