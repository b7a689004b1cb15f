"""gc_finesse.xmlparse: the fast path (ElementTree's C parser for documents without
``<!``) gives the tree the checked path (expat driven from Python) gives, and every
safety bound of the module holds on both paths: DTDs and entities refused (also when
the bytes are in an encoding where ``<!`` is not the bytes ``<!``), depth and size
bounded, names folded to lower case without namespaces."""
from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gc_finesse import xmlparse
from gc_finesse.xmlparse import MAX_DEPTH, BadXML, UnsafeXML, parse
from tests.finesse_corpus.corpus import all_payloads

PAYLOADS = all_payloads()


def shape(el: ET.Element) -> tuple:
    """Everything a tree holds, recursively (tag, attributes, text, tail, children)."""
    return (el.tag, sorted(el.attrib.items()), el.text, el.tail, [shape(c) for c in el])


def checked(data: str | bytes) -> ET.Element:
    return xmlparse._parse_checked(data.encode("utf-8") if isinstance(data, str) else data)


def refused(data, kind=BadXML, **kw) -> str:
    with pytest.raises(kind) as info:
        parse(data, **kw)
    return str(info.value)


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.name for p in PAYLOADS])
def test_corpus_payloads_parse_alike_on_both_paths(payload):
    xml = payload.xml
    assert "<!" not in xml  # a Finesse document: the fast path's case
    fast = parse(xml)
    assert shape(fast) == shape(checked(xml))
    assert shape(parse(xml.encode("utf-8"))) == shape(fast)
    assert all(el.tag == el.tag.lower() and "}" not in el.tag for el in fast.iter())


def recase(xml: str, rnd: random.Random) -> str:
    """Re-case every tag and attribute name, put elements into namespaces (default and
    prefixed) and give some an attribute in a namespace: what the folding must undo."""
    root = ET.fromstring(xml)
    for el in root.iter():
        name = el.tag.rsplit("}", 1)[-1]
        name = "".join(c.upper() if rnd.random() < 0.5 else c for c in name)
        ns = rnd.choice(["", "http://jabber.org/protocol/pubsub", "urn:x:finesse"])
        el.tag = f"{{{ns}}}{name}" if ns else name
        if rnd.random() < 0.2:
            el.set(rnd.choice(["Kind", "{urn:x:attr}Kind", "KIND"]), rnd.choice(["Value", "a&b<c\"d", ""]))
    return ET.tostring(root, encoding="unicode")


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(range(len(PAYLOADS))))
def test_recased_namespaced_documents_fold_alike(seed, index):
    xml = recase(PAYLOADS[index].xml, random.Random(seed))
    fast = parse(xml)
    assert shape(fast) == shape(checked(xml))
    assert all(el.tag == el.tag.lower() and "}" not in el.tag for el in fast.iter())
    assert all(k == k.lower() and "}" not in k for el in fast.iter() for k in el.attrib)


BOMB = ('<!DOCTYPE u [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<Update><data><user><loginId>&b;</loginId></user></data></Update>")


@pytest.mark.parametrize("doc", [
    BOMB,
    '<!DOCTYPE a SYSTEM "http://127.0.0.1:9/x.dtd"><a/>',
    '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
])
@pytest.mark.parametrize("form", ["str", "utf-8", "utf-16", "utf-16-le-declared", "bom-utf-8"])
def test_dtds_are_refused_in_every_encoding(doc, form):
    """In UTF-16 the characters ``<!`` are not the bytes ``<!``: such a document must
    not take the fast path (whose only guard is the absence of ``<!``)."""
    if form == "str":
        data = doc
    elif form == "utf-8":
        data = doc.encode("utf-8")
    elif form == "bom-utf-8":
        data = b"\xef\xbb\xbf" + doc.encode("utf-8")
    elif form == "utf-16":
        data = doc.encode("utf-16")  # with its byte order mark
    else:
        body = doc.split("?>", 1)[-1] if doc.startswith("<?xml") else doc
        data = ('<?xml version="1.0" encoding="UTF-16LE"?>' + body).encode("utf-16-le")
    with pytest.raises(UnsafeXML):
        parse(data)


def test_other_declared_encodings_are_read_as_declared():
    doc = '<?xml version="1.0" encoding="ISO-8859-1"?><User><firstName>Zo\xe9</firstName></User>'
    assert parse(doc.encode("latin-1")).find("firstname").text == "Zo\xe9"
    assert parse(doc.replace("ISO-8859-1", "UTF-16").encode("utf-16")).find("firstname").text == "Zo\xe9"
    # a str is text already: its declaration does not re-decode it
    assert parse(doc).find("firstname").text == "Zo\xe9"
    assert parse('<?xml version="1.0" encoding="utf-8"?><a>\u4e2d</a>'.encode("utf-8")).text == "\u4e2d"


@pytest.mark.parametrize("form", ["str", "bytes"])
def test_depth_bound_on_both_paths(form):
    def nest(n: int, extra: str = "") -> str:
        return extra + "<A>" * n + "x" + "</A>" * n

    def enc(s):
        return s if form == "str" else s.encode("utf-8")
    assert parse(enc(nest(MAX_DEPTH))).tag == "a"
    assert "deeper" in refused(enc(nest(MAX_DEPTH + 1)))
    assert "deeper" in refused(enc(nest(200_000)))  # built by C, refused before anything walks it
    # the checked path (a comment sends it there) has the same bound
    assert parse(enc(nest(MAX_DEPTH, "<!-- c -->"))).tag == "a"
    assert "deeper" in refused(enc(nest(MAX_DEPTH + 1, "<!-- c -->")))
    # deep in a sibling branch, not only down the first child
    wide = "<a><b/><b/><c>" + "<d>" * (MAX_DEPTH - 1) + "</d>" * (MAX_DEPTH - 1) + "</c></a>"
    assert "deeper" in refused(enc(wide))


def test_size_bound_counts_utf8_bytes():
    doc = "<a>" + "\u20ac" * 100 + "</a>"  # 107 characters, 307 bytes
    assert parse(doc, max_size=307).text == "\u20ac" * 100
    assert "exceeds" in refused(doc, max_size=306)
    assert "exceeds" in refused(doc.encode("utf-8"), max_size=306)
    assert "exceeds" in refused("<a>" + "x" * 100 + "</a>", max_size=106)


@pytest.mark.parametrize("doc", ["<a>&nope;</a>", "<a><b></a>", "", "   ", "<a/><b/>", "text",
                                 "<a>\x00</a>", "<a><b>"])
@pytest.mark.parametrize("form", ["str", "bytes"])
def test_malformed_documents_are_bad_on_both_paths(doc, form):
    refused(doc if form == "str" else doc.encode("utf-8"))


def test_predefined_entities_and_character_references_are_kept():
    root = parse("<A B='&lt;&#65;'>&amp;&#x4e2d;&gt;<![CDATA[<x>]]></A>")  # checked path (CDATA)
    assert (root.get("b"), root.text) == ("<A", "&\u4e2d><x>")
    root = parse("<A B='&lt;&#65;'>&amp;&#x4e2d;&gt;&quot;&apos;</A>")  # fast path
    assert (root.get("b"), root.text) == ("<A", "&\u4e2d>\"'")


def test_the_name_memo_stays_bounded():
    for i in range(6000):
        parse(f"<Tag{i} Attr{i}='1'/>")
    assert len(xmlparse._FOLDED) <= 4096
    assert parse("<Brand_New_Tag/>").tag == "brand_new_tag"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(range(len(PAYLOADS))))
def test_an_inline_element_is_copied_as_parsing_its_text_would_give(seed, index):
    """normalize (an Update slixmpp already parsed) == parsing the element's text."""
    el = ET.fromstring(recase(PAYLOADS[index].xml, random.Random(seed)))
    el.tail = "\n  "
    el.append(ET.Comment("a comment"))
    assert shape(xmlparse.normalize(el)) == shape(checked(ET.tostring(el, encoding="utf-8")))


def test_an_inline_element_is_bounded_in_depth_and_size():
    deep = leaf = ET.Element("A")
    for _ in range(MAX_DEPTH - 1):
        leaf = ET.SubElement(leaf, "A")
    assert xmlparse.normalize(deep).tag == "a"
    ET.SubElement(leaf, "A")
    with pytest.raises(BadXML, match="deeper"):
        xmlparse.normalize(deep)
    wide = ET.Element("a")
    for _ in range(100):
        ET.SubElement(wide, "b")
    assert len(xmlparse.normalize(wide, max_elements=101)) == 100
    with pytest.raises(BadXML, match="more than"):
        xmlparse.normalize(wide, max_elements=100)
