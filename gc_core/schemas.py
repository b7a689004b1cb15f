"""The schema registry: every command and event schema, compiled once at start-up.

A schema directory holds ``defs.json`` (optional), ``commands/<Type>.json`` and
``events/<Type>.json``. Command schemas carry two annotations the core reads:
``x-gc-categories`` (the categories the command belongs to), ``x-gc-positional``
(parameter names in the legacy positional order) and optionally ``x-gc-aliases``
(other accepted spellings, e.g. SCHEDULECALLBACK for the spec's SHCEDULECALLBACK). A parameter's subschema may map a
failing validator to a spec error code with ``x-gc-errors`` (``{"required":
"MISSING_EXTENSION", "pattern": "WRONG_EXTENSION"}``); any other failure is
``PLEASE_RETRY`` naming the field. The error's description is a sentence a desk
agent can read (:func:`describe`): a subschema's ``x-gc-message`` (a sentence for a
``pattern`` failure, or one per keyword; ``{field}`` = the field's name) else a
sentence per keyword, never the raw pattern.
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
    # parameters whose schema accepts "" (an empty positional value is then "", not missing)
    empty_ok: frozenset = frozenset()
    # jsonschema-rs's check of the same (inlined) schema, when installed: a frame it
    # passes is valid; only a failing one goes through ``validator`` for the error.
    is_valid: Any = None


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
        # $refs resolved once here: validating a frame then never looks anything up
        # (resolving defs.json references at run time was a quarter of a command's cost)
        raw_commands = {n: (inline_refs(sc, self.registry), p) for n, (sc, p) in raw_commands.items()}
        raw_events = {n: (inline_refs(sc, self.registry), p) for n, (sc, p) in raw_events.items()}
        for name, (schema, path) in raw_commands.items():
            params = schema.get("properties", {}).get("params", {})
            props = params.get("properties", {}) if isinstance(params, dict) else {}
            empty_ok = frozenset(n for n, sub in props.items()
                                 if isinstance(sub, dict) and cls(sub, registry=self.registry).is_valid(""))
            self.commands[name] = CommandSchema(
                type=name,
                categories=tuple(schema.get("x-gc-categories", ())),
                positional=tuple(schema.get("x-gc-positional", ())),
                aliases=tuple(schema.get("x-gc-aliases", ())),
                schema=schema,
                validator=cls(schema, registry=self.registry, format_checker=cls.FORMAT_CHECKER),
                path=path,
                empty_ok=empty_ok,
                is_valid=_fast_check(schema),
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


def _fast_check(schema: dict):
    """``is_valid`` of a jsonschema-rs validator of ``schema`` (already inlined: it
    resolves nothing), or None when jsonschema-rs is missing or cannot take it. Only
    the yes/no answer is used; every error still comes from the Python validator, so
    the error codes (``x-gc-errors``) stay exactly the same."""
    if _has_ref(schema):
        return None
    try:
        import jsonschema_rs
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True).is_valid
    except Exception:  # ImportError, or a schema it does not support
        return None


def _has_ref(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "$ref" in schema or any(_has_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_ref(v) for v in schema)
    return False


_ANNOTATIONS = frozenset({"description", "title", "$comment", "examples", "default"})


def inline_refs(schema: Any, registry: referencing.Registry, base: str = "", _seen: tuple = ()) -> Any:
    """``schema`` with every ``$ref`` replaced by the subschema it names (resolved
    against ``registry`` from the enclosing ``$id``), so validation does no lookups.

    A ``$ref`` beside annotations only (description ...) becomes the referenced
    subschema with those annotations; beside other keywords it becomes
    ``allOf: [referenced]`` next to them, which validates alike (2020-12 applies
    ``$ref`` as an in-place applicator, and errors come from the subschema either
    way). A recursive reference is left as it is."""
    if isinstance(schema, list):
        return [inline_refs(s, registry, base, _seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    base = schema.get("$id", base)
    out = {k: (v if k in ("const", "enum", "examples", "default") else inline_refs(v, registry, base, _seen))
           for k, v in schema.items() if k != "$ref"}
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        if "$ref" in schema:
            out["$ref"] = schema["$ref"]
        return out
    uri = ref if "://" in ref or not base else _join(base, ref)
    if uri in _seen:
        out["$ref"] = ref
        return out
    resolved = registry.resolver(base_uri=base).lookup(ref)
    target_base = uri.split("#", 1)[0]
    target = inline_refs(resolved.contents, registry, target_base, _seen + (uri,))
    if not isinstance(target, dict):
        out["$ref"] = ref
        return out
    target = {k: v for k, v in target.items() if k != "$id"}
    if set(out) <= _ANNOTATIONS:
        return {**target, **out}
    out["allOf"] = list(out.get("allOf", [])) + [target]
    return out


def _join(base: str, ref: str) -> str:
    from urllib.parse import urljoin
    return urljoin(base, ref)


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
    """The failing field as a client names it: a parameter by its name
    (``extension``), anything else by its path (``agentId``, ``<frame>``)."""
    path = [str(p) for p in error.absolute_path]
    missing = _missing_property(error)
    if missing:
        path.append(missing)
    if len(path) >= 2 and path[0] == "params":
        path = path[1:]
    return ".".join(path) or "the frame"


_TYPE_WORDS = {"string": "text", "object": "an object", "array": "a list", "boolean": "true or false",
               "integer": "a whole number", "number": "a number", "null": "null"}


def _annotated_message(error: jsonschema.ValidationError) -> str | None:
    """The schema's own sentence for this failure: ``x-gc-message`` on the failing
    subschema, a string (for a ``pattern`` failure) or an object by validator
    (``{"pattern": "...", "maxLength": "..."}``). ``{field}`` is the field's name."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        missing = _missing_property(error)
        schema = schema.get("properties", {}).get(missing, {}) if missing else {}
    note = schema.get("x-gc-message")
    if isinstance(note, str):
        return note if error.validator == "pattern" else None
    if isinstance(note, dict):
        return note.get(error.validator)
    return None


def describe(error: jsonschema.ValidationError) -> str:
    """One sentence a desk agent can read for a schema failure: never the raw pattern,
    never the failing value (it may be a password). The schema's ``x-gc-message``
    wins; otherwise a sentence per JSON Schema keyword."""
    field = _field_name(error)
    note = _annotated_message(error)
    if note:
        return note.replace("{field}", field)
    kind, bound = error.validator, error.validator_value
    if kind == "required":
        return f"{field} is missing"
    if kind == "additionalProperties":
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(k for k in (error.instance if isinstance(error.instance, dict) else {}) if k not in allowed)
        where = {"params": "the parameters"}.get(field, field)
        return f"unexpected parameter {', '.join(extra)} in {where}"
    if kind == "enum":
        words = dict.fromkeys(str(v).lower() if isinstance(v, bool) else str(v) for v in bound)
        return f"{field} must be one of {', '.join(words)}"
    if kind == "const":
        return f"{field} must be {bound}"
    if kind == "type":
        types = bound if isinstance(bound, list) else [bound]
        return f"{field} must be {' or '.join(_TYPE_WORDS.get(t, t) for t in types)}"
    if kind == "minLength":
        return f"{field} must not be empty" if bound == 1 else f"{field} must be at least {bound} characters long"
    if kind == "maxLength":
        return f"{field} must be at most {bound} characters long"
    if kind == "pattern":
        return f"{field} has an invalid format"
    return f"{field} is not valid"


def request_error(error: jsonschema.ValidationError) -> GCError:
    return GCError(_annotated_code(error) or "PLEASE_RETRY", describe(error))
