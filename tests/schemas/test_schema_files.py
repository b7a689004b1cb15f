"""Every schema file is a valid draft 2020-12 schema with the conventions GC's loader
relies on ($id, title, description, absolute $refs that resolve, annotations)."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

from gc_core.errors import CATALOGUE, ORIGIN_GC
from schema_test_support import (
    BASE_ID, DEFS_ID, EVENT_TYPES, SCHEMAS, all_schema_files, all_schemas, load, registry, validator, walk,
)

FILES = all_schema_files()
IDS = [str(p.relative_to(SCHEMAS)) for p in FILES]

# JSON Schema keywords that can fail on a (sub)schema and so may be named in x-gc-errors.
ASSERTION_KEYWORDS = {"type", "enum", "const", "minLength", "maxLength", "pattern", "required", "format",
                      "minimum", "maximum", "additionalProperties", "minItems", "maxItems"}


def test_layout():
    assert (SCHEMAS / "defs.json").is_file()
    assert {p.stem for p in (SCHEMAS / "events").glob("*.json")} == EVENT_TYPES
    assert len(list((SCHEMAS / "commands").glob("*.json"))) > 0
    assert not [p for p in FILES if p.parent not in (SCHEMAS, SCHEMAS / "commands", SCHEMAS / "events")]
    # File names must not collide on case-insensitive file systems.
    lowered = [str(p.relative_to(SCHEMAS)).lower() for p in FILES]
    assert len(lowered) == len(set(lowered))


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_is_a_valid_2020_12_schema(path):
    schema = load(path)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_id_title_description(path):
    schema = load(path)
    assert schema["$id"] == BASE_ID + path.relative_to(SCHEMAS).as_posix()
    assert isinstance(schema.get("title"), str) and schema["title"].strip()
    assert isinstance(schema.get("description"), str) and len(schema["description"]) >= 40


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_ref_is_absolute_and_resolves(path):
    schema = load(path)
    resolver = registry().resolver(base_uri=schema["$id"])
    refs = [(p, node["$ref"]) for p, node in walk(schema) if isinstance(node.get("$ref"), str)]
    for where, ref in refs:
        assert ref.startswith(BASE_ID), f"{where}: $ref {ref!r} is not an absolute GC $id"
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as exc:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"{where}: $ref {ref!r} does not resolve: {exc}")
        assert isinstance(resolved.contents, dict)


def test_every_def_is_used_and_valid():
    defs = all_schemas()[DEFS_ID]["$defs"]
    used = set()
    for sid, schema in all_schemas().items():
        for _, node in walk(schema):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(DEFS_ID + "#/$defs/"):
                used.add(ref.rsplit("/", 1)[1])
    assert set(defs) - used == set(), "unused $defs"
    assert used <= set(defs)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_x_gc_errors_name_gc_codes_and_real_keywords(path):
    for where, node in walk(load(path)):
        mapping = node.get("x-gc-errors")
        if mapping is None:
            continue
        assert isinstance(mapping, dict) and mapping, where
        for keyword, code in mapping.items():
            assert keyword in ASSERTION_KEYWORDS, f"{where}: {keyword} is not a failing keyword"
            # "required" is looked up on the missing property's own subschema; any other
            # keyword must sit beside the annotation to be able to fail there.
            assert keyword == "required" or keyword in node, f"{where}: no {keyword} beside x-gc-errors"
            assert code in CATALOGUE and CATALOGUE[code].origin == ORIGIN_GC, f"{where}: {code} is not a GC code"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_examples_validate(path):
    schema = load(path)
    kind = path.parent.name
    for example in schema.get("examples", []) if kind in ("commands", "events") else []:
        errors = list(validator(kind, path.stem).iter_errors(example))
        assert not errors, [e.message for e in errors]


def test_defs_examples_validate():
    defs = all_schemas()[DEFS_ID]["$defs"]
    for name, sub in defs.items():
        v = Draft202012Validator({"$ref": f"{DEFS_ID}#/$defs/{name}"}, registry=registry())
        for example in sub.get("examples", []):
            assert v.is_valid(example), (name, example)


def test_patterns_are_portable_and_reject_a_trailing_newline():
    # Patterns must mean the same in ECMA-262 (clients) and Python (GC): no inline flags,
    # no lookbehind; and since Python's re.search lets "$" match before a final newline,
    # every end anchor is written "$(?!\\n)".
    for sid, schema in all_schemas().items():
        for where, node in walk(schema):
            pattern = node.get("pattern")
            if not isinstance(pattern, str) or where[-1:] in (("x-gc-errors",), ("x-gc-message",)):
                continue
            re.compile(pattern)
            assert pattern.startswith("^") and pattern.endswith("$(?!\\n)"), (sid, where, pattern)
            assert "(?" not in pattern[: -len("$(?!\\n)")], (sid, where, pattern)
