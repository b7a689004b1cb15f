"""The client protocol as an AsyncAPI 3.0 document, generated from the JSON Schemas
(``gc schemas asyncapi``; the repository keeps the result as ``docs/asyncapi.yaml``,
and a test fails when it and the schemas disagree).

Shape: two servers (``ws`` at ``/gc``, ``tcp``: one frame per line), one channel
``gc`` (the connection), a ``send`` operation listing every command message and a
``receive`` operation listing every event message. Each message's payload is the
schema itself, as a multi-format schema (``application/schema+json;version=draft-2020-12``),
so the AsyncAPI document holds exactly what GC validates against (with the
``$ref``s the registry inlines at start already inlined); the schemas' ``examples``
become the messages' examples. The shared definitions (``defs.json``) are carried in
``components.schemas.defs`` too.
"""
from __future__ import annotations

from typing import Any

from . import __version__
from .schemas import SchemaRegistry

SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
COMMAND_PREFIX = "command."
EVENT_PREFIX = "event."


def _message(kind: str, name: str, schema: dict) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "name": name,
        "title": schema.get("title", name),
        "contentType": "application/json",
        "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": schema},
    }
    if schema.get("description"):
        msg["summary"] = schema["description"].split(". ")[0].rstrip(".") + "."
        msg["description"] = schema["description"]
    if kind == "command" and schema.get("x-gc-categories"):
        msg["tags"] = [{"name": c} for c in schema["x-gc-categories"]]
    examples = [{"payload": e} for e in schema.get("examples", []) if isinstance(e, (dict, list))]
    if examples:
        msg["examples"] = examples
    return msg


def document(registry: SchemaRegistry, shared: dict[str, dict] | None = None, *, ws_address: str = "127.0.0.1:8765", ws_path: str = "/gc",
             tcp_address: str = "127.0.0.1:8766") -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of every command and event in ``registry``;
    ``shared``: the schemas they refer to (``{"defs": <defs.json>}``)."""
    messages: dict[str, Any] = {}
    commands, events = [], []
    for name in sorted(registry.commands):
        key = COMMAND_PREFIX + name
        messages[key] = _message("command", name, registry.commands[name].schema)
        commands.append({"$ref": f"#/channels/gc/messages/{key}"})
    for name in sorted(registry.events):
        key = EVENT_PREFIX + name
        messages[key] = _message("event", name, registry.events[name].schema)
        events.append({"$ref": f"#/channels/gc/messages/{key}"})
    channel_messages = {key: {"$ref": f"#/components/messages/{key}"} for key in messages}
    doc: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Generic Connector client protocol",
            "version": __version__,
            "description": ("Commands a client sends to GC and events GC sends back, over WebSocket (one "
                            "frame per message) or TCP (one frame per line). A command is a JSON object or "
                            "a legacy line Command#agentId|p1,p2 (docs/protocol.md, Frames). Generated from "
                            "GC's JSON Schemas by `gc schemas asyncapi`."),
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "websocket": {"host": ws_address, "pathname": ws_path, "protocol": "ws",
                          "description": "WebSocket transport: one text frame per command or event."},
            "tcp": {"host": tcp_address, "protocol": "tcp",
                    "description": "TCP transport: UTF-8, one command or event per line."},
        },
        "channels": {
            "gc": {
                "address": ws_path,
                "title": "A client connection",
                "description": "Everything a client sends and receives on one connection.",
                "messages": channel_messages,
            },
        },
        "operations": {
            "sendCommand": {"action": "receive", "channel": {"$ref": "#/channels/gc"},
                            "title": "GC receives a command",
                            "description": "A client sends a command; GC answers with events (or an Error).",
                            "messages": commands},
            "receiveEvent": {"action": "send", "channel": {"$ref": "#/channels/gc"},
                             "title": "GC sends an event",
                             "description": "GC sends the events of the agents connected on the client's "
                                            "destination, and the answers to its commands.",
                             "messages": events},
        },
        "components": {"messages": messages},
    }
    if shared:
        doc["components"]["schemas"] = {name: {"schemaFormat": SCHEMA_FORMAT, "schema": schema}
                                        for name, schema in sorted(shared.items())}
    return doc


def to_yaml(doc: dict[str, Any]) -> str:
    """YAML text of ``doc``, every value written out (no anchors and aliases: the
    registry's schemas share their inlined definitions)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True

    header = "# Generated by `gc schemas asyncapi` from GC's JSON Schemas: do not edit, regenerate.\n"
    return header + yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
