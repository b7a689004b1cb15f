"""jsonschema-rs as the fast path of frame validation (gc_core.schemas._fast_check):
its yes/no must equal the Python validator's on every command schema, for the
schemas' own examples and for each way of breaking them (a key missing, a value of
another type or shape, an unexpected key), so a frame it passes is one the Python
validator passes too and the error codes, which only the Python validator
produces, cannot change."""
from __future__ import annotations

import copy

import pytest

from gc_core.resources import schemas_dir
from gc_core.schemas import SchemaRegistry

pytest.importorskip("jsonschema_rs")

REGISTRY = SchemaRegistry([schemas_dir()])
ODD_VALUES = [None, 0, 7, -1, 1.5, True, "", " ", "12a", "1001", "x" * 300, "\u00e9", "1\n", [], ["a"], {}, {"a": 1}]


def mutations(frame: dict):
    yield frame
    for path in _paths(frame):
        parent, key = _parent(frame, path)
        gone = copy.deepcopy(frame)
        del _parent(gone, path)[0][key]
        yield gone
        for value in ODD_VALUES:
            changed = copy.deepcopy(frame)
            _parent(changed, path)[0][key] = value
            yield changed
    for where in ([], ["params"]):
        extra = copy.deepcopy(frame)
        target = extra
        for k in where:
            target = target.get(k) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target["unexpected"] = "x"
            yield extra


def _paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))


def _parent(obj, path):
    for k in path[:-1]:
        obj = obj[k]
    return obj, path[-1]


@pytest.mark.parametrize("name", sorted(REGISTRY.commands))
def test_fast_check_agrees_with_the_python_validator(name):
    schema = REGISTRY.commands[name]
    assert schema.is_valid is not None, f"{name}: jsonschema-rs did not take the schema"
    examples = schema.schema.get("examples") or [{"type": name}]
    checked = 0
    for example in examples:
        for frame in mutations(example):
            python_ok = not list(schema.validator.iter_errors(frame))
            assert schema.is_valid(frame) == python_ok, (name, frame)
            checked += 1
    assert checked > len(examples)
