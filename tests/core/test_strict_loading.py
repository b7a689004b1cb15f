"""Issue #14, strict loading: a plugin that cannot work as written stops ``gc serve``
at start-up with one line naming the plugin and what is wrong (a misspelled hook, a
hook function left unmarked, a bad configuration section, schema or command), and
the configuration-error exit status.

Each plugin here is a real installed distribution (a ``*.dist-info`` with its
``gc.plugins`` entry point on PYTHONPATH), found by importlib.metadata exactly as a
pip-installed one is.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from gc_core.exits import EX_CONFIG as EXIT_CONFIG  # 78: configuration and plugin errors
from gc_core.testing import to_toml

from tests.support import sim_config

HEADER = "from pathlib import Path\nfrom gc_core.hookspecs import hookimpl\nfrom gc_core.commands import CommandSpec, SCOPE_SYSTEM\n"
PLUGINS = {
    "misspelled": '''
        @hookimpl
        def gc_comands():
            return []
    ''',
    "unmarked": '''
        def gc_commands():
            return []
    ''',
    "wrongarg": '''
        @hookimpl
        def gc_startup(conector):
            pass
    ''',
    "badconfig": '''
        @hookimpl
        def gc_config_defaults():
            return {"badconfig": ["port", 1]}
    ''',
    "coresection": '''
        @hookimpl
        def gc_config_defaults():
            return {"gc": {"colour": "red"}}
    ''',
    "noschemas": '''
        @hookimpl
        def gc_schema_dirs():
            return [Path(__file__).parent / "not-there"]
    ''',
    "brokenschema": '''
        @hookimpl
        def gc_schema_dirs():
            return [Path(__file__).parent / "brokenschema_schemas"]
    ''',
    "noschema": '''
        @hookimpl
        def gc_commands():
            return [CommandSpec("Frobnicate", lambda ctx: None, scope=SCOPE_SYSTEM)]
    ''',
    "notaspec": '''
        @hookimpl
        def gc_commands():
            return [{"type": "Frobnicate"}]
    ''',
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A directory of installed distributions gc-<name>, one per plugin above."""
    root = tmp_path_factory.mktemp("plugins-site")
    for name, body in PLUGINS.items():
        (root / f"gc_{name}.py").write_text(HEADER + textwrap.dedent(body))
        info = root / f"gc_{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: gc-{name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[gc.plugins]\n{name} = gc_{name}\n")
    events = root / "brokenschema_schemas" / "events"
    events.mkdir(parents=True)
    (events / "Frob.json").write_text('{"type": "object", "required": ')
    return root


def serve(site, tmp_path, plugin: str) -> subprocess.CompletedProcess:
    config = tmp_path / "gc.toml"
    config.write_text(to_toml(sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", plugin]},
                                         websocket={"port": 0}, tcp={"port": 0})))
    env = {**os.environ, "PYTHONPATH": str(site)}
    # the timeout only keeps a wrongly started server from hanging the suite
    return subprocess.run([sys.executable, "-m", "gc_core.cli", "serve", "--config", str(config)],
                          capture_output=True, text=True, env=env, timeout=120)


def one_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # other installed-but-disabled test plugins warn when gc loads every plugin for its sub-commands
    errors = [line for line in lines if not line.startswith("gc: warning:")]
    assert len(errors) == 1, result.stderr
    assert result.returncode == EXIT_CONFIG, (result.returncode, result.stderr)
    assert "GC serving" not in result.stdout
    return errors[0]


@pytest.mark.parametrize("plugin, expected", [
    ("misspelled", "gc: plugin 'misspelled' implements unknown hook 'gc_comands' (did you mean 'gc_commands'?)"),
    ("unmarked", "gc: plugin 'unmarked': gc_commands is not marked @hookimpl"),
])
def test_a_hook_name_that_is_not_a_hook_stops_gc_serve(site, tmp_path, plugin, expected):
    assert one_line(serve(site, tmp_path, plugin)).startswith(expected)


def test_a_hook_argument_the_spec_does_not_have(site, tmp_path):
    line = one_line(serve(site, tmp_path, "wrongarg"))
    assert line.startswith("gc: plugin 'wrongarg': ") and "gc_startup" in line and "conector" in line


@pytest.mark.parametrize("plugin, words", [
    ("badconfig", ["plugin 'badconfig'", "[badconfig]", "gc_config_defaults"]),
    ("coresection", ["plugin 'coresection'", "[gc]", "already declared by 'core'"]),
    ("noschemas", ["plugin 'noschemas'", "not-there", "does not exist"]),
    ("brokenschema", ["plugin 'brokenschema'", "Frob.json"]),
    ("noschema", ["plugin 'noschema'", "Frobnicate", "commands/Frobnicate.json"]),
    ("notaspec", ["plugin 'notaspec'", "CommandSpec", "dict"]),
])
def test_config_schemas_and_commands_are_checked_at_load(site, tmp_path, plugin, words):
    line = one_line(serve(site, tmp_path, plugin))
    for word in words:
        assert word in line, line


def test_the_builtin_plugins_pass_the_same_checks(tmp_path):
    """Every plugin of the distribution loads strictly (gc plugins loads them all)."""
    config = tmp_path / "gc.toml"
    config.write_text(to_toml({"gc": {"plugins": ["*"]}}))
    result = subprocess.run([sys.executable, "-m", "gc_core.cli", "plugins", "--config", str(config)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == "", result.stderr
