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

Fast: most documents (every notification Finesse sends, every REST body) hold no
``<!`` at all, i.e. no DTD, no comment, no CDATA section. Such a document cannot
declare an entity, so ElementTree's C parser (expat under a C tree builder, no Python
call per element) is as safe on it as the checked path; names are then folded and
the depth bound applied in one pass over the finished tree, level by level. Anything
else (a ``<!`` anywhere, a NUL byte, an XML declaration naming an encoding other than
UTF-8 / US-ASCII, where bytes ``<!`` need not spell "<!") takes the checked path
above. Both paths give the same tree and the same errors (``tests/finesse``
compares them on the payload corpus).
"""
from __future__ import annotations

import re
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

    ``max_size`` bounds the document in bytes (UTF-8 for a ``str``). Raises
    :class:`UnsafeXML` for any DTD / entity declaration and :class:`BadXML` for
    anything not well-formed, nested deeper than ``MAX_DEPTH`` or too large."""
    if isinstance(data, str):
        size = len(data) if len(data) * 4 <= max_size or data.isascii() else len(data.encode("utf-8"))
        if size > max_size:
            raise BadXML(f"document of {size} bytes exceeds {max_size}")
        if "<!" not in data:
            # a str is parsed as the UTF-8 it is (the C parser ignores a declared encoding)
            return _parse_plain(data)
        data = data.encode("utf-8")
    if len(data) > max_size:
        raise BadXML(f"document of {len(data)} bytes exceeds {max_size}")
    if b"<!" not in data and b"\0" not in data and _plain_encoding(data):
        return _parse_plain(data)
    return _parse_checked(data)


# An XML declaration's encoding (the declaration is the first thing in a document,
# after a UTF-8 byte order mark at most).
_DECLARED = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._-]*)")
_ASCII_ENCODINGS = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}


def _plain_encoding(data: bytes) -> bool:
    """True when expat reads ``data`` as UTF-8 (or ASCII): no other encoding declared."""
    if not data.startswith((b"<?", b"\xef\xbb\xbf<?")):
        return True
    m = _DECLARED.match(data)
    return m is None or m.group(1).lower() in _ASCII_ENCODINGS


def _parse_plain(data: str | bytes) -> ET.Element:
    """The fast path for a document without ``<!``: C parser, then one folding pass."""
    if not data.strip():
        raise BadXML("empty document")
    parser = ET.XMLParser()
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        raise BadXML(f"malformed XML: {exc}") from None
    _fold(root)
    return root


_FOLDED: dict[str, str] = {}  # tag / attribute name as parsed -> folded (Finesse uses a few hundred)


def _folded(name: str) -> str:
    out = _FOLDED.get(name)
    if out is None:
        out = name.rsplit("}", 1)[-1].lower()
        if len(_FOLDED) < 4096:  # names come from the network: the memo stays bounded
            _FOLDED[name] = out
    return out


def _fold(root: ET.Element) -> None:
    """Fold every tag and attribute name of a tree from ElementTree's parser in place
    (``{uri}Local`` -> ``local``); BadXML when it nests deeper than MAX_DEPTH.
    Level by level: no recursion, and a deep tree is refused at MAX_DEPTH + 1."""
    level = [root]
    depth = 0
    folded = _FOLDED
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise BadXML(f"elements nested deeper than {MAX_DEPTH}")
        below: list = []
        for el in level:
            tag = el.tag
            el.tag = folded.get(tag) or _folded(tag)
            if el.attrib:
                el.attrib = {(folded.get(k) or _folded(k)): v for k, v in el.attrib.items()}
            below.extend(el)
        level = below


def _parse_checked(data: bytes) -> ET.Element:
    """The checked path: expat driven from Python, DTDs and entities refused as they
    are met, names folded and depth counted per element."""
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


def normalize(el: ET.Element, *, max_elements: int = 100_000) -> ET.Element:
    """A copy of an already parsed element (slixmpp's, for an inline payload) in this
    module's shape: names folded, namespaces dropped, text and attribute values as
    they are, comments and processing instructions left out, the element's own tail
    dropped. The source was parsed by someone else, so nothing in it can still expand;
    the bounds are checked during the copy, level by level: BadXML when it nests
    deeper than MAX_DEPTH or holds more than ``max_elements`` elements."""
    if not isinstance(el.tag, str):
        raise BadXML("not an element")
    top = ET.Element(_folded(el.tag), _folded_attrib(el.attrib))
    top.text = el.text
    level = [(el, top)]
    depth, count = 1, 1
    while level:
        below: list = []
        for src, dst in level:
            for child in src:
                if not isinstance(child.tag, str):  # a comment or processing instruction
                    continue
                count += 1
                if depth + 1 > MAX_DEPTH:
                    raise BadXML(f"elements nested deeper than {MAX_DEPTH}")
                if count > max_elements:
                    raise BadXML(f"more than {max_elements} elements")
                copy = ET.SubElement(dst, _folded(child.tag), _folded_attrib(child.attrib))
                copy.text, copy.tail = child.text, child.tail
                below.append((child, copy))
        level = below
        depth += 1
    return top


def _folded_attrib(attrib: dict) -> dict:
    return {_folded(k): v for k, v in attrib.items()} if attrib else {}


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
