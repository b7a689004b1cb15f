"""Issue #2 point 4: a plugin outside the repo, installed with its own entry point,
adds a command a client can call; disabling a built-in plugin removes its commands."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from gc_core.testing import GCProcess

from tests.expected import described
from tests.support import sim_config

PLUGIN = '''
"""A third-party GC plugin: the Echo command."""
from pathlib import Path
from gc_core.commands import SCOPE_SYSTEM, CommandSpec
from gc_core.hookspecs import hookimpl

def echo(ctx):
    ctx.reply({"type": "Echo", "text": ctx.params["text"][::-1] if ctx.connector.config["echo"]["reverse"]
               else ctx.params["text"]})

@hookimpl
def gc_config_defaults():
    return {"echo": {"reverse": False}}

@hookimpl
def gc_schema_dirs():
    return [Path(__file__).parent / "schemas"]

@hookimpl
def gc_commands():
    return [CommandSpec("Echo", echo, scope=SCOPE_SYSTEM)]
'''

COMMAND_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.org/gc-echo/commands/Echo.json",
    "x-gc-categories": ["echo"], "x-gc-positional": ["text"],
    "type": "object", "required": ["type", "params"], "additionalProperties": False,
    "properties": {"type": {"const": "Echo"}, "category": {"enum": ["echo"]},
                   "requestId": {"type": "string", "maxLength": 64},
                   "params": {"type": "object", "required": ["text"], "additionalProperties": False,
                              "properties": {"text": {"type": "string", "maxLength": 100}}}},
}
EVENT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.org/gc-echo/events/Echo.json",
    "type": "object", "required": ["type", "text"],
    "properties": {"type": {"const": "Echo"}, "text": {"type": "string"}, "requestId": {"type": "string"}},
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def echo_plugin(tmp_path_factory):
    """Build and install (into its own directory) a plugin distribution 'gc-echo'."""
    src = tmp_path_factory.mktemp("gc-echo-src")
    pkg = src / "gc_echo"
    (pkg / "schemas" / "commands").mkdir(parents=True)
    (pkg / "schemas" / "events").mkdir(parents=True)
    (pkg / "__init__.py").write_text(PLUGIN)
    (pkg / "schemas" / "commands" / "Echo.json").write_text(json.dumps(COMMAND_SCHEMA))
    (pkg / "schemas" / "events" / "Echo.json").write_text(json.dumps(EVENT_SCHEMA))
    (src / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "gc-echo"
        version = "1.0"
        [project.entry-points."gc.plugins"]
        echo = "gc_echo"
        [tool.setuptools.packages.find]
        include = ["gc_echo*"]
        [tool.setuptools.package-data]
        gc_echo = ["schemas/*/*.json"]
    '''))
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(src)], check=True)
    return target


def test_external_plugin_adds_a_command(echo_plugin, tmp_path):
    config = sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", "echo"]}, echo={"reverse": True})
    with GCProcess(config, env={"PYTHONPATH": str(echo_plugin)}, workdir=tmp_path) as gc:
        with gc.client("websocket", validate=False) as c:
            c.send({"type": "Echo", "params": {"text": "hello"}, "requestId": "e1"})
            assert c.recv() == {"type": "Echo", "text": "olleh", "requestId": "e1"}
            c.send("Echo#abc")  # legacy form too
            assert c.recv() == {"type": "Echo", "text": "cba"}
            c.send({"type": "Echo", "params": {"text": 5}})  # the plugin's schema applies
            assert c.recv()["errorCode"] == "PLEASE_RETRY"
        out = subprocess.run([sys.executable, "-m", "gc_core.cli", "plugins", "--config", str(gc.config_path)],
                             capture_output=True, text=True, env={"PYTHONPATH": str(echo_plugin),
                                                                  **__import__("os").environ}, check=True).stdout
        assert "echo  (gc_echo, gc-echo 1.0)" in out and "commands: Echo" in out


def test_installed_but_not_enabled_plugin_offers_nothing(echo_plugin, tmp_path):
    with GCProcess(sim_config(), env={"PYTHONPATH": str(echo_plugin)}, workdir=tmp_path) as gc:
        with gc.client("tcp") as c:
            c.send({"type": "Echo", "params": {"text": "hello"}})
            err = c.expect("Error")
            # a retry cannot help: the Error names the plugin and the setting (issue 16)
            assert err["errorCode"] == "CF_GENERIC_UNSPECIFIED_REJECTION" and err["errorOrigin"] == "GC"
            assert err["errorDescription"] == described(
                "CF_GENERIC_UNSPECIFIED_REJECTION",
                "Echo is provided by the plugin 'echo', which is not enabled here: add \"echo\" to the gc.plugins setting")


def test_disabling_a_builtin_plugin_removes_its_commands(tmp_path):
    config = sim_config(gc={"plugins": ["websocket", "tcp", "sim"]})
    with GCProcess(config, workdir=tmp_path) as gc, gc.client("tcp") as c:
        c.send("Connect#1001|d,secret")
        c.send({"type": "Login", "agentId": "1001", "params": {"password": "secret", "extension": "1001"}})
        err = c.expect("Error")
        assert err["errorCode"] == "CF_GENERIC_UNSPECIFIED_REJECTION"
        assert "Login is provided by the plugin 'agent', which is not enabled here" in err["errorDescription"]
        c.send("Hello#d")  # the core's own commands remain
        assert c.expect("System")["status"] == "IN_SERVICE"


def test_unknown_plugin_in_configuration_is_a_clear_start_error(tmp_path):
    with pytest.raises(RuntimeError, match="configured plugins not installed: nope"):
        GCProcess(sim_config(gc={"plugins": ["websocket", "tcp", "sim", "nope"]}), workdir=tmp_path,
                  start_timeout=10)


def test_unknown_configuration_key_is_a_clear_start_error(tmp_path):
    with pytest.raises(RuntimeError, match="unknown key tcp.prot"):
        GCProcess(sim_config(tcp={"prot": 1}), workdir=tmp_path, start_timeout=10)
