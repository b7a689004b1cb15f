"""Issue #14: docs/plugins.md documents every hook specification and every method of
the Backend / AgentSession interface (one ``### name`` section each, not empty), and
nothing that no longer exists."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import gc_core.hookspecs as hookspecs
from gc_core.backend import AgentSession, Backend

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def sections() -> dict[str, str]:
    """``### heading`` -> the text up to the next heading."""
    text = DOC.read_text()
    parts = re.split(r"^(#{2,3}) +(.+)$", text, flags=re.M)
    out = {}
    for level, title, body in zip(parts[1::3], parts[2::3], parts[3::3]):
        if level == "###":
            out[title.strip()] = body.strip()
    return out


def hook_names() -> set[str]:
    return {name for name, fn in vars(hookspecs).items()
            if callable(fn) and hasattr(fn, f"{hookspecs.NAME}_spec")}


def interface_methods() -> set[str]:
    return {f"{cls.__name__}.{name}" for cls in (Backend, AgentSession)
            for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


def test_every_hook_is_documented_with_when_it_is_called():
    docs = sections()
    assert hook_names(), "no hook specifications found"
    missing = hook_names() - set(docs)
    assert not missing, f"hooks without a section in docs/plugins.md: {sorted(missing)}"
    for name in hook_names():
        assert "**When:**" in docs[name], f"{name}: say when it is called"


def test_every_backend_and_session_method_is_documented():
    docs = sections()
    expected = interface_methods()
    abstract = {f"{cls.__name__}.{m}" for cls in (Backend, AgentSession) for m in cls.__abstractmethods__}
    assert abstract <= expected
    missing = expected - set(docs)
    assert not missing, f"methods without a section in docs/plugins.md: {sorted(missing)}"
    for name in expected:
        method = name.split(".")[1]
        assert f"`{method}(" in docs[name], f"{name}: give its signature"


def test_no_section_documents_something_that_does_not_exist():
    documented = set(sections())
    stale = {d for d in documented if (d.startswith("gc_") and d not in hook_names())
             or ("." in d and d not in interface_methods())}
    assert not stale, f"docs/plugins.md documents what no longer exists: {sorted(stale)}"
