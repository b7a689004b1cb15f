"""docs/asyncapi.yaml: generated from the schemas by ``gc schemas asyncapi`` (a test
fails when the two disagree) and valid against AsyncAPI 3.0.0's published JSON Schema
(npm's @asyncapi/specs, installed by .ci/install-npm-deps)."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from gc_core.testing import schema_registry

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "asyncapi.yaml"
SPECS = REPO / ".ci" / "npm" / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0.json"


@pytest.fixture(scope="module")
def doc():
    return yaml.safe_load(DOC.read_text())


@pytest.fixture(scope="module")
def asyncapi_validator():
    if not SPECS.is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):  # CI sets CI=true; .ci/run too
            pytest.fail(f"{SPECS} missing: .ci/install-npm-deps must run first (tox does)")
        pytest.skip("run bash .ci/install-npm-deps for @asyncapi/specs")
    schema = json.loads(SPECS.read_text())
    return jsonschema.Draft7Validator(schema)


def test_the_document_is_what_the_schemas_generate():
    res = subprocess.run([sys.executable, "-m", "gc_core.cli", "schemas", "asyncapi"], capture_output=True,
                         text=True, timeout=120, check=True)
    assert res.stdout == DOC.read_text(), "docs/asyncapi.yaml is stale: run gc schemas asyncapi -o docs/asyncapi.yaml"


def test_every_command_and_event_schema_is_a_message(doc):
    registry = schema_registry()
    messages = doc["components"]["messages"]
    assert {m["name"] for k, m in messages.items() if k.startswith("command.")} == set(registry.commands)
    assert {m["name"] for k, m in messages.items() if k.startswith("event.")} == set(registry.events)
    for name, command in registry.commands.items():
        assert messages[f"command.{name}"]["payload"]["schema"] == command.schema
    for name, validator in registry.events.items():
        assert messages[f"event.{name}"]["payload"]["schema"] == validator.schema


def test_valid_asyncapi_3(doc, asyncapi_validator):
    assert doc["asyncapi"] == "3.0.0"
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in asyncapi_validator.iter_errors(doc)]
    assert errors == []


def test_the_validator_rejects_a_broken_document(doc, asyncapi_validator):
    broken = copy.deepcopy(doc)
    broken["operations"]["sendCommand"]["action"] = "publish"  # AsyncAPI 2's word: not 3.0's send/receive
    assert list(asyncapi_validator.iter_errors(broken))
