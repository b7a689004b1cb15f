"""gc-client.js's typed events follow the schemas: one typedef per event schema of the
core, listing that schema's required fields, and EVENT_TYPES naming every event."""
from __future__ import annotations

import json
import re
from pathlib import Path

from gc_core.resources import schemas_dir

CLIENT = Path(__file__).resolve().parents[2] / "plugins" / "gc_demo" / "static" / "gc-client.js"


def schema_required() -> dict[str, list[str]]:
    out = {}
    for path in sorted((schemas_dir() / "events").glob("*.json")):
        schema = json.loads(path.read_text())
        obj = schema if schema.get("type") == "object" else schema["prefixItems"][0]
        out[path.stem] = obj.get("required") or ["type"]
    return out


def test_typedefs_and_event_types_match_the_schemas():
    text = CLIENT.read_text()
    typedefs = {}
    for block in re.split(r"\* @typedef ", text)[1:]:
        name = re.match(r"\{Object\} (\w+)", block).group(1)
        body = block.split("@typedef")[0].split("*/")[0]
        typedefs[name] = re.findall(r"@property \{[^}]*\} (\w+)", body)
    expected = schema_required()
    assert typedefs == expected
    listed = json.loads(re.search(r"const EVENT_TYPES = (\[.*?\]);", text).group(1))
    assert listed == sorted(expected)
