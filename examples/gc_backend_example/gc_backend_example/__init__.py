"""gc-backend-example: a telephony backend for Generic Connector in one small plugin.

The hooks GC calls (see docs/plugins.md for each one's contract):

* ``gc_config_defaults``: the ``[example]`` section (the site file);
* ``gc_backend_names`` / ``gc_backend``: the backend type ``example``;
* ``gc_schema_dirs`` / ``gc_commands``: the driver commands ExampleCall, ExampleHangup
  and ExampleStatus (their JSON Schemas are package data under ``schemas/``), which
  play the customers and the platform's status, as the sim's SimCall does.
"""
from __future__ import annotations

from pathlib import Path

from gc_core.commands import SCOPE_SYSTEM, CommandSpec
from gc_core.errors import GCError
from gc_core.hookspecs import hookimpl

from .backend import SITE, ExampleBackend, Site

SCHEMAS = Path(__file__).parent / "schemas"


@hookimpl
def gc_config_defaults():
    return {"example": {"site": ""}}  # "" = the site.toml shipped in this package


@hookimpl
def gc_backend_names():
    return ["example"]


@hookimpl
def gc_backend(name, config):
    if name != "example":
        return None
    return ExampleBackend(Site.load(config["example"]["site"] or SITE))


@hookimpl
def gc_schema_dirs():
    return [SCHEMAS]


def _backend(ctx) -> ExampleBackend:
    found = ctx.connector.backends.of_type("example")
    if not found:
        raise GCError("PLEASE_RETRY", f"{ctx.request.type} drives the example backend, which is not configured")
    return found[0]


def example_call(ctx) -> None:
    dialog_id = _backend(ctx).inbound_call(ctx.params["fromAddress"], ctx.params.get("callVariables"))
    ctx.reply({"type": "ExampleTraffic", "action": "call", "dialogId": dialog_id})


def example_hangup(ctx) -> None:
    _backend(ctx).customer_hangup(ctx.params["dialogId"])
    ctx.reply({"type": "ExampleTraffic", "action": "hangup", "dialogId": ctx.params["dialogId"]})


def example_status(ctx) -> None:
    _backend(ctx).set_status(ctx.params["status"])
    ctx.reply({"type": "ExampleTraffic", "action": "status", "status": ctx.params["status"]})


@hookimpl
def gc_commands():
    return [CommandSpec("ExampleCall", example_call, scope=SCOPE_SYSTEM),
            CommandSpec("ExampleHangup", example_hangup, scope=SCOPE_SYSTEM),
            CommandSpec("ExampleStatus", example_status, scope=SCOPE_SYSTEM)]
