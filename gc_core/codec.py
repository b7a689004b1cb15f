"""The two frame forms of protocol.md section 2, decoded into a :class:`Request`.

Canonical: a JSON object ``{"category", "type", "agentId", "params", "requestId"}``
with ``params`` an object or the spec's positional string. Legacy: ``<Command>#<id>``
optionally followed by ``|`` and the positional parameters (``Login#1001|secret,1001``,
``Hello#crm-7``). For Hello/Beat the id is the client destination.

Decoding never echoes a frame's content into an error: a frame may hold a password;
what an Error does echo (type, category, agentId) is cut to :data:`MAX_ECHO` characters.

Input that cannot hurt (protocol.md, "Security, resume and liveness"): a NUL
character, a lone UTF-16 surrogate (``"\\ud800"``), an integer of more than
:data:`MAX_INT_DIGITS` digits, ``NaN``/``Infinity``, or nesting deeper than
:data:`MAX_DEPTH` is refused here with PLEASE_RETRY naming the problem, before any
handler sees the frame. The walk over every value that finds them is skipped for a
frame that cannot hold any of them (:func:`_cannot_hide_bad_values`: ASCII without a
backslash escape, a raw NUL already refused, too few brackets to nest that deep).
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from .commands import SCOPE_SYSTEM, CommandRegistry, Request, Route
from .errors import GCError
from .schemas import error_rank, request_error

MAX_REQUEST_ID = 64
MAX_ECHO = 64          # characters of a client's type/category/agentId an Error echoes
MAX_INT_DIGITS = 32    # a JSON integer longer than this is refused (Python's own limit is 4,300)
MAX_DEPTH = 16         # JSON nesting (objects and arrays) beyond this is refused
_REQUEST_ID = re.compile(r"([!-~]([ -~]*[!-~])?)?")


def clip(value: str, limit: int = MAX_ECHO) -> str:
    """``value`` cut to ``limit`` characters (with an ellipsis when cut)."""
    return value if len(value) <= limit else value[:limit] + "\u2026"


def _echo(value: Any) -> str | None:
    """A client's string as an Error may echo it: bounded, and encodable."""
    if not isinstance(value, str):
        return None
    return clip(value.encode("utf-8", "replace").decode("utf-8"))


def _echo_request_id(value: Any) -> str | None:
    ok = isinstance(value, str) and len(value) <= MAX_REQUEST_ID and _REQUEST_ID.fullmatch(value)
    return value if ok else None


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise FrameError("PLEASE_RETRY", f"a number of {len(digits)} digits: at most {MAX_INT_DIGITS} accepted")
    return int(digits)


def _parse_constant(name: str) -> Any:
    raise FrameError("PLEASE_RETRY", f"{name} is not a JSON number")


def _cannot_hide_bad_values(frame: str) -> bool:
    """True when ``frame`` (JSON text without a raw NUL) cannot decode to a NUL, a lone
    surrogate or nesting deeper than MAX_DEPTH: it is ASCII (no raw surrogate), has no
    backslash (no ``\\u`` escape) and fewer containers than MAX_DEPTH + 1 in all."""
    return frame.isascii() and "\\" not in frame and frame.count("{") + frame.count("[") <= MAX_DEPTH


def _check_values(value: Any, depth: int = 0, where: str = "frame") -> None:
    """Refuse nesting deeper than MAX_DEPTH, lone surrogates and NUL characters."""
    if depth > MAX_DEPTH:
        raise FrameError("PLEASE_RETRY", f"nesting deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = key if isinstance(key, str) and len(key) <= MAX_ECHO and key.isprintable() else "a key"
            _check_text(key, f"a key of {where}")
            _check_values(item, depth + 1, name if where == "frame" else f"{where}.{name}")
    elif isinstance(value, list):
        for item in value:
            _check_values(item, depth + 1, where)


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise FrameError("PLEASE_RETRY", f"{where} contains a NUL character (U+0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FrameError("PLEASE_RETRY", f"{where} contains a lone UTF-16 surrogate "
                                         f"(\\u{ord(text[exc.start]):04x}): not text")


class FrameError(GCError):
    """A frame that cannot become a request; ``partial`` holds what was understood."""

    def __init__(self, code: str, description: str, partial: Request | None = None, *,
                 origin: str | None = None):
        super().__init__(code, description, origin=origin)
        self.partial = partial


def _positional(route: Route, body: str, partial: Request) -> dict[str, str]:
    """The spec's positional string mapped onto the schema's parameter names. An empty
    value is "" where the parameter's schema accepts "" (SHCEDULECALLBACK's
    callbackNumber: "" keeps the customer's number), else the parameter is missing;
    empty values beyond the last parameter are ignored."""
    names = route.schema.positional
    values = [v.strip() for v in body.split(",")] if body.strip() else []
    while len(values) > len(names) and values[-1] == "":
        values.pop()
    if len(values) > len(names):
        raise FrameError("PLEASE_RETRY", f"{route.spec.type} takes {len(names)} parameter(s) "
                                         f"({', '.join(names) or 'none'}), got {len(values)}", partial)
    empty_ok = route.schema.empty_ok
    return {n: v for n, v in zip(names, values) if v != "" or n in empty_ok}


def decode(text: str, routes: CommandRegistry) -> tuple[Request, Route]:
    frame = text.strip()
    if not frame:
        raise FrameError("PLEASE_RETRY", "empty frame")
    if "\x00" in frame:
        raise FrameError("PLEASE_RETRY", "frame contains a NUL character (U+0000)")
    if frame.startswith("{"):
        try:
            obj = _JSON.decode(frame)
        except json.JSONDecodeError as exc:
            raise FrameError("PLEASE_RETRY", f"frame is not valid JSON ({exc.msg} at column {exc.colno})")
        except RecursionError:
            raise FrameError("PLEASE_RETRY", f"nesting deeper than {MAX_DEPTH} levels")
        except ValueError as exc:  # e.g. a number Python will not convert
            raise FrameError("PLEASE_RETRY", f"frame is not valid JSON ({clip(str(exc), 120)})")
        return _decode_object(obj, routes, checked=_cannot_hide_bad_values(frame))
    if frame[0] in '["0123456789-' or frame in ("true", "false", "null"):
        try:
            json.loads(frame)
        except (ValueError, RecursionError):
            pass
        else:
            raise FrameError("PLEASE_RETRY", "frame must be a JSON object (or a legacy Command#id line)")
    return _decode_legacy(frame, routes)


def _partial(obj: dict) -> Request:
    """What an Error may echo of a JSON frame that did not become a request."""
    return Request(type=_echo(obj.get("type")) or "?", category=_echo(obj.get("category")),
                   agent_id=_echo(obj.get("agentId")), request_id=_echo_request_id(obj.get("requestId")))


def _decode_object(obj: Any, routes: CommandRegistry, checked: bool = False) -> tuple[Request, Route]:
    """``checked``: the frame's text showed it holds no value :func:`_check_values`
    refuses. The partial request an error carries is built only for an error."""
    if not isinstance(obj, dict):
        raise FrameError("PLEASE_RETRY", "frame must be a JSON object")
    if not checked:
        try:
            _check_values(obj)
        except FrameError as exc:
            exc.partial = _partial(obj)
            raise
    type_name = obj.get("type")
    if not isinstance(type_name, str) or not type_name:
        raise FrameError("PLEASE_RETRY", "missing parameter type (the command name)", _partial(obj))
    route = _resolve(routes, type_name, lambda: _partial(obj))
    params = obj.get("params", {})
    if isinstance(params, str):
        params = _positional(route, params, _routed(_partial(obj), route))
    request = Request(type=route.spec.type, category=obj.get("category"), agent_id=obj.get("agentId"),
                      params=params, request_id=obj.get("requestId"), form="json")
    _default_category(request, route)
    canonical = request.canonical()
    for key in obj:  # unknown top-level keys are schema failures too
        if key not in ("type", "category", "agentId", "params", "requestId"):
            canonical[key] = obj[key]
    _validate(route, canonical, lambda: _routed(_partial(obj), route))
    return request, route


def _decode_legacy(frame: str, routes: CommandRegistry) -> tuple[Request, Route]:
    head, _, body = frame.partition("|")
    name, _, ident = head.partition("#")
    name, ident = name.strip(), ident.strip()
    partial = Request(type=clip(name) or "?", agent_id=clip(ident) or None, form="legacy")
    if not name:
        raise FrameError("PLEASE_RETRY", "missing command name before '#'", partial)
    route = _resolve(routes, name, lambda: partial)
    _routed(partial, route)
    if route.spec.scope == SCOPE_SYSTEM:
        partial.agent_id = None
        # Hello#<client_destination>: the id is the first positional parameter
        params = _positional(route, ",".join(part for part in (ident, body) if part), partial)
        request = Request(type=route.spec.type, params=params, form="legacy")
    else:
        params = _positional(route, body, partial)
        request = Request(type=route.spec.type, agent_id=ident or None, params=params, form="legacy")
    _default_category(request, route)
    _validate(route, request.canonical(), lambda: partial)
    return request, route


def _resolve(routes: CommandRegistry, name: str, partial_of: Callable[[], Request]) -> Route:
    """The command's route; an unknown (or unavailable) command is a FrameError
    carrying ``partial_of()``."""
    try:
        return routes.resolve(name)
    except GCError as exc:
        partial = partial_of()
        known = routes.known.get(name.lower())  # a command this backend does not offer
        if known is not None:
            partial.type = known[0]
            if partial.category is None and known[1]:
                partial.category = known[1][0]
        if len(name) > MAX_ECHO:
            raise FrameError(exc.code, f"unknown command {clip(name)!r} ({len(name)} characters)", partial,
                             origin=exc.origin)
        raise FrameError(exc.code, exc.description, partial, origin=exc.origin)


def _routed(partial: Request, route: Route) -> Request:
    """``partial`` named as the command it was routed to (an alias, any case)."""
    partial.type = route.spec.type
    _default_category(partial, route)
    return partial


def _default_category(request: Request, route: Route) -> None:
    """A request that names no category (every legacy frame) gets its command's first
    category of the spec's tables, so every Error can echo ``request`` {category, type}."""
    if request.category is None and route.schema.categories:
        request.category = route.schema.categories[0]


def _validate(route: Route, canonical: dict, partial_of: Callable[[], Request]) -> None:
    fast = route.schema.is_valid
    if fast is not None and fast(canonical):
        return  # the common case: jsonschema-rs passes it (gc_core.schemas._fast_check)
    errors = sorted(route.schema.validator.iter_errors(canonical), key=error_rank)
    if errors:
        err = request_error(errors[0])
        raise FrameError(err.code, clip(err.description, 300), partial_of())


# Built once: json.loads / json.dumps with arguments build a new decoder / encoder per call.
_JSON = json.JSONDecoder(parse_int=_parse_int, parse_constant=_parse_constant)
_EVENT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_event(event: Any) -> str:
    """An event's JSON text (compact, non-ASCII kept as is)."""
    return _EVENT_JSON.encode(event)
