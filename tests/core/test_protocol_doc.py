"""docs/protocol.md covers the protocol (issue 16, "what must hold" 4): every command
and event type that has a schema is named there, its sections exist, and its
generated reference agrees with the schemas (a stale block fails)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from gc_core import protocol_reference as ref
from gc_core.testing import schema_registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
SECTIONS = ("Frames", "Commands", "Events", "Errors", "Decisions where the specification is silent")


@pytest.fixture(scope="module")
def text():
    return DOC.read_text()


def prose(text: str) -> str:
    """The document without its generated reference blocks."""
    for kind in ("commands", "events"):
        text = text.replace(ref.current_block(text, kind), "")
    return text


def test_sections(text):
    headings = re.findall(r"^## (.+)$", text, re.M)
    for section in SECTIONS:
        assert any(h.startswith(section) for h in headings), section
        start = text.index(f"## {section}")
        assert len(text[start:].split("\n## ", 1)[0]) > 400, f"section {section} is (nearly) empty"


def test_every_command_and_event_is_named(text):
    registry = schema_registry()
    named = set(re.findall(r"`([A-Za-z_]+)`", text))
    assert set(registry.commands) - named == set()
    assert set(registry.events) - named == set()
    # each has its own entry in the reference
    for name in registry.commands:
        assert f"\n#### `{name}`\n" in ref.current_block(text, "commands")
    for name in registry.events:
        assert f"\n#### `{name}`\n" in ref.current_block(text, "events")


@pytest.mark.parametrize("kind", ["commands", "events"])
def test_reference_agrees_with_the_schemas(text, kind):
    assert ref.current_block(text, kind) == ref.block(kind, schema_registry()), (
        "docs/protocol.md is stale: run gc schemas reference --update docs/protocol.md")


def test_prose_covers_time_zones_and_the_not_offered_code(text):
    body = prose(text)
    assert "callbackTime" in body and "UTC" in body and "gc.event_timezone" in body
    assert "CF_GENERIC_UNSPECIFIED_REJECTION" in body and "gc.plugins" in body
