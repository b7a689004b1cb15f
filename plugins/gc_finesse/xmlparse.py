"""Safe, tolerant parsing of the XML Finesse sends (REST bodies and notification payloads).

Safe: Finesse's XML reaches us from the network (and, in notifications, as text a
second parser reads), so nothing in it may make the parser do work or I/O it was
not asked for. Python's expat expands internal entities (the "billion laughs") and
ElementTree offers no switch to refuse them, so this module drives expat itself and
refuses any document type declaration, entity declaration or external entity
reference before they can take effect (what ``defusedxml`` does; it is not a
dependency here). Documents are also bounded in size.

Tolerant: the reference (section 8) warns that Finesse writes ``<dialog>`` or
``<Dialog>``, ``<event>PUT</event>`` or ``put``, in any element order. Every tag and
attribute name is therefore folded to lower case *at parse time* and namespaces are
dropped (a notification's payload may come inline in the pubsub namespace), so the
rest of the plugin looks elements up by one spelling (``el.find("dialogs")``) and
never by position. Text values keep their case.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Iterable, Optional
from xml.parsers import expat

MAX_DOCUMENT = 16 * 1024 * 1024  # 6,000 contacts of a phone book fit comfortably
MAX_DEPTH = 64  # Finesse's documents nest about 8 deep; deeper is refused, never recursed into


class UnsafeXML(ValueError):
    """The document declares a DTD or entities: refused, never expanded."""


class BadXML(ValueError):
    """The document is not well-formed (or too large)."""


def _local(name: str) -> str:
    # expat with namespace_separator=" " reports "uri local"; keep the local part.
    return name.rsplit(" ", 1)[-1].lower()


def _forbid(kind: str):
    def handler(*_args):
        raise UnsafeXML(f"{kind} not allowed in Finesse XML")
    return handler


def parse(data: str | bytes, *, max_size: int = MAX_DOCUMENT) -> ET.Element:
    """Parse ``data`` into an Element tree with lower-case, namespace-free names.

    Raises :class:`UnsafeXML` for any DTD / entity declaration and :class:`BadXML`
    for anything not well-formed."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_size:
        raise BadXML(f"document of {len(data)} bytes exceeds {max_size}")
    if not data.strip():
        raise BadXML("empty document")
    builder = ET.TreeBuilder()
    p = expat.ParserCreate(namespace_separator=" ")
    p.buffer_text = True
    p.ordered_attributes = False
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _forbid("a document type declaration")
    p.EntityDeclHandler = _forbid("an entity declaration")
    p.UnparsedEntityDeclHandler = _forbid("an unparsed entity declaration")
    p.ExternalEntityRefHandler = _forbid("an external entity reference")
    depth = [0]

    def start(name, attrs):
        depth[0] += 1
        if depth[0] > MAX_DEPTH:
            raise BadXML(f"elements nested deeper than {MAX_DEPTH}")
        builder.start(_local(name), {_local(k): v for k, v in attrs.items()} if attrs else {})

    def end(name):
        depth[0] -= 1
        builder.end(_local(name))
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = builder.data
    try:
        p.Parse(data, True)
    except expat.ExpatError as exc:
        raise BadXML(f"malformed XML: {exc}") from None
    return builder.close()


def check_depth(el: ET.Element, limit: int = MAX_DEPTH) -> None:
    """BadXML if ``el`` (parsed by someone else, e.g. slixmpp) nests deeper than
    ``limit``; iterative, so a deep element cannot exhaust the stack here either."""
    stack = [(el, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise BadXML(f"elements nested deeper than {limit}")
        stack.extend((child, depth + 1) for child in node)


def normalize(el: ET.Element) -> ET.Element:
    """An already parsed element (slixmpp's, for an inline payload) re-parsed into
    this module's shape. Serialising and parsing again is the simple way to get
    the same safety checks and name folding; inline payloads are rare."""
    return parse(ET.tostring(el, encoding="utf-8"))


# -- tolerant accessors (names are already lower case) ------------------------------
def text(el: Optional[ET.Element], path: str, default: str = "") -> str:
    """Stripped text at ``path`` (lower-case names), ``default`` when absent."""
    if el is None:
        return default
    child = el.find(path)
    if child is None:
        return default
    return (child.text or "").strip()


def first_child(el: Optional[ET.Element]) -> Optional[ET.Element]:
    if el is None:
        return None
    for child in el:
        return child
    return None


def find_any(el: Optional[ET.Element], names: Iterable[str]) -> Optional[ET.Element]:
    if el is None:
        return None
    for name in names:
        child = el.find(name)
        if child is not None:
            return child
    return None


def uri_tail(uri: str) -> str:
    """``/finesse/api/Dialog/123`` -> ``123`` ("" for "")."""
    return uri.strip().rstrip("/").rsplit("/", 1)[-1] if uri and uri.strip() else ""
