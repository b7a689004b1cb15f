"""The schema registry: every command and event schema, compiled once at start-up.

A schema directory holds ``defs.json`` (optional), ``commands/<Type>.json`` and
``events/<Type>.json``. Command schemas carry two annotations the core reads:
``x-gc-categories`` (the categories the command belongs to), ``x-gc-positional``
(parameter names in the legacy positional order) and optionally ``x-gc-aliases``
(other accepted spellings, e.g. SCHEDULECALLBACK for the spec's SHCEDULECALLBACK). A parameter's subschema may map a
failing validator to a spec error code with ``x-gc-errors`` (``{"required":
"MISSING_EXTENSION", "pattern": "WRONG_EXTENSION"}``); any other failure is
``PLEASE_RETRY`` naming the field.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import referencing
from referencing.jsonschema import DRAFT202012

from .errors import GCError


class SchemaError(Exception):
    pass


@dataclass
class CommandSchema:
    type: str
    categories: tuple
    positional: tuple
    aliases: tuple
    schema: dict
    validator: Any
    path: Path


class SchemaRegistry:
    def __init__(self, dirs: Iterable[Path]):
        self.commands: dict[str, CommandSchema] = {}
        self.events: dict[str, Any] = {}
        self._paths: dict[str, Path] = {}
        resources = []
        raw_commands: dict[str, tuple] = {}
        raw_events: dict[str, tuple] = {}
        ids: dict[str, Path] = {}
        for d in dirs:
            d = Path(d)
            for path in sorted(d.glob("*.json")) + sorted(d.glob("commands/*.json")) + sorted(d.glob("events/*.json")):
                schema = self._read(path)
                if "$id" in schema:
                    if schema["$id"] in ids:
                        raise SchemaError(f"{path}: $id {schema['$id']} already defined by {ids[schema['$id']]}")
                    ids[schema["$id"]] = path
                    resources.append((schema["$id"], DRAFT202012.create_resource(schema)))
                kind = {"commands": raw_commands, "events": raw_events}.get(path.parent.name)
                if kind is not None:
                    if path.stem in kind:  # a plugin may add schemas, never replace one
                        raise SchemaError(f"{path}: {path.parent.name[:-1]} {path.stem} already defined "
                                          f"by {kind[path.stem][1]}")
                    kind[path.stem] = (schema, path)
        self.registry = referencing.Registry().with_resources(resources)
        cls = jsonschema.Draft202012Validator
        for name, (schema, path) in raw_commands.items():
            self.commands[name] = CommandSchema(
                type=name,
                categories=tuple(schema.get("x-gc-categories", ())),
                positional=tuple(schema.get("x-gc-positional", ())),
                aliases=tuple(schema.get("x-gc-aliases", ())),
                schema=schema,
                validator=cls(schema, registry=self.registry, format_checker=cls.FORMAT_CHECKER),
                path=path,
            )
        for name, (schema, path) in raw_events.items():
            self.events[name] = cls(schema, registry=self.registry)

    @staticmethod
    def _read(path: Path) -> dict:
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
        except (OSError, ValueError, jsonschema.SchemaError) as exc:
            raise SchemaError(f"{path}: {exc}") from exc
        return schema

    # -- events ------------------------------------------------------------------
    def event_type(self, event: Any) -> str | None:
        obj = event[0] if isinstance(event, list) and event and isinstance(event[0], dict) else event
        return obj.get("type") if isinstance(obj, dict) else None

    def event_errors(self, event: Any) -> list[str]:
        """Messages for every way ``event`` breaks its schema (empty = valid)."""
        name = self.event_type(event)
        validator = self.events.get(name) if name else None
        if validator is None:
            return [f"no schema for event type {name!r}"]
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                for e in validator.iter_errors(event)]


def error_rank(error: jsonschema.ValidationError):
    """Most useful error first: annotated ones, then the shallowest."""
    annotated = _annotated_code(error) is not None
    return (0 if annotated else 1, len(error.absolute_path), error.validator != "required")


def _annotated_code(error: jsonschema.ValidationError) -> str | None:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        missing = _missing_property(error)
        prop = schema.get("properties", {}).get(missing, {}) if missing else {}
        return prop.get("x-gc-errors", {}).get("required")
    return schema.get("x-gc-errors", {}).get(error.validator)


def _missing_property(error: jsonschema.ValidationError) -> str | None:
    if error.validator != "required":
        return None
    instance = error.instance if isinstance(error.instance, dict) else {}
    for name in error.validator_value:
        if name not in instance:
            return name
    return None


def _field_name(error: jsonschema.ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    missing = _missing_property(error)
    if missing:
        path.append(missing)
    return ".".join(path) or "<frame>"


def request_error(error: jsonschema.ValidationError) -> GCError:
    code = _annotated_code(error) or "PLEASE_RETRY"
    field = _field_name(error)
    if error.validator == "required":
        what = f"missing parameter {field}"
    elif error.validator == "additionalProperties":
        what = f"unexpected parameter in {field}: {error.message}"
    elif error.validator in ("type", "enum", "const"):
        # never echo a value: it may be a password
        expected = error.validator_value
        what = f"wrong value for {field}: expected {json.dumps(expected) if error.validator != 'type' else expected}"
    else:
        what = f"invalid {field} ({error.validator} {json.dumps(error.validator_value)})"
    return GCError(code, what)
