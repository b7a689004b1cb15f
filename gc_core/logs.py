"""Logging set-up: ``gc.log_format = "text" | "json"``, per-request context fields, and
no secret in any line.

Every record carries the fields of :data:`CONTEXT_FIELDS` (``agentId``, ``requestId``,
``destination``, ``transport``, ``peer``), taken from :data:`log_context` where the
core knows them (a frame being handled, a connection opening) and ``None`` elsewhere.
The JSON format (python-json-logger) writes one object per line::

    {"level": "INFO", "logger": "gc", "message": "...",
     "agentId": "1001", "requestId": "r1", "destination": "crm-1", "transport": "tcp",
     "peer": "127.0.0.1:40522", "time": "2026-11-29T20:31:02.114523+00:00"}

The text format is the classic ``time level logger: message`` plus the known fields.

Secrets: the values of every configuration key whose name says ``password``,
``secret`` or ``token`` are replaced by ``***`` in every message and traceback, as a
second line of defence behind the code that never logs them (``Request.safe()``,
gc_finesse's SASL filter).
"""
from __future__ import annotations

import contextvars
import logging
import sys
from typing import Any, Iterable, Optional

CONTEXT_FIELDS = ("agentId", "requestId", "destination", "transport", "peer")
SECRET_KEY_WORDS = ("password", "secret", "token")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_fields: contextvars.ContextVar[Optional[dict]] = contextvars.ContextVar("gc_log_fields", default=None)


class _Fields:
    """One ``with log_context(...)`` block (a plain context manager: this is entered
    for every frame, so no generator-based one)."""
    __slots__ = ("fields", "token")

    def __init__(self, fields: dict):
        self.fields = fields

    def __enter__(self) -> None:
        current = _fields.get()
        self.token = _fields.set({**current, **self.fields} if current else self.fields)

    def __exit__(self, *exc_info) -> None:
        _fields.reset(self.token)


class _LogContext:
    """``with log_context(agentId="1001", requestId="r1"): ...`` adds fields to every
    record logged inside (this greenlet only: each greenlet has its own context);
    ``log_context.update(destination=...)`` adds to the innermost one. ``None`` values
    are ignored."""

    def __call__(self, **fields: Any) -> _Fields:
        return _Fields({k: v for k, v in fields.items() if v is not None})

    def update(self, **fields: Any) -> None:
        current = _fields.get()
        if current is not None:
            current.update({k: v for k, v in fields.items() if v is not None})

    def get(self) -> dict:
        return dict(_fields.get() or {})


log_context = _LogContext()


def config_secrets(sections: dict[str, dict[str, Any]]) -> set[str]:
    """The values of configuration keys named like secrets (``finesse.team_reader_password``,
    ``zoom.client_secret`` ...), at any depth, that are long enough to be worth hiding."""
    found: set[str] = set()

    def walk(obj: Any, key: str = "") -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, str(k))
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                walk(v, key)
        elif isinstance(obj, str) and len(obj) >= 4 and any(w in key.lower() for w in SECRET_KEY_WORDS):
            found.add(obj)
    walk(sections)
    return found


class ContextFilter(logging.Filter):
    """Puts the context fields on each record and blanks out known secrets."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _fields.get() or {}
        for name in CONTEXT_FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, ctx.get(name))
        if self.secrets:
            try:
                message = record.getMessage()
            except Exception:
                message = str(record.msg)
            if any(s in message for s in self.secrets):
                record.msg, record.args = self._redact(message), None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text and any(s in record.exc_text for s in self.secrets):
                record.exc_text = self._redact(record.exc_text)
        return True

    def _redact(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "***")
        return text


class TextFormatter(logging.Formatter):
    """``time level logger: message [agentId=1001 requestId=r1 ...]``."""

    def __init__(self):
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        known = [f"{n}={getattr(record, n)}" for n in CONTEXT_FIELDS if getattr(record, n, None) is not None]
        if not known:
            return text
        head, sep, tail = text.partition("\n")
        return f"{head} [{' '.join(known)}]{sep}{tail}"


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter
    return JsonFormatter(
        "{levelname}{name}{message}" + "".join("{%s}" % n for n in CONTEXT_FIELDS), style="{",
        rename_fields={"levelname": "level", "name": "logger"}, timestamp="time")


def setup(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = (), stream=None) -> logging.Handler:
    """Configure the root logger once for the process (``gc serve``): one handler on
    ``stream`` (stderr), formatted as ``fmt`` ("text" or "json"). Raises ValueError for
    another format."""
    if fmt not in ("text", "json"):
        raise ValueError(f"gc.log_format must be \"text\" or \"json\", not {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter(secrets))
    handler.setFormatter(json_formatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, str(level).upper(), logging.INFO))
    return handler
