"""The emulator's notifications for the documented call flows have the corpus's
shape (tests/finesse_corpus: payloads from Cisco's guide): call end as a PUT with the
leaving agent's participant DROPPED then a DELETE, wrap-up as a PUT with the agent's
participant WRAP_UP, the surviving dialog of a consult transfer naming the consult in
``secondaryId``, team changes as the summary user; and UCCX non-ICD calls leave the
agent's state alone."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ..finesse_corpus.corpus import load
from .helpers import API, dialog_put, dialog_update, login, user_update
from .test_emulator_calls import agents, inbound_to  # noqa: F401  (fixture)

BOTH = pytest.mark.parametrize("finesse_emulator", ["UCCE", "UCCX"], indirect=True)
# elements one platform has and the other not (guide: UCCE callKey*, UCCX wrapUpItems)
FLAVOURED = ("mediaproperties/callkeycallid", "mediaproperties/callkeysequencenum", "mediaproperties/callkeyprefix",
             "mediaproperties/wrapupitems")


def _paths(el: ET.Element, prefix: str = "") -> set:
    out = set()
    for child in el:
        tag = child.tag.rsplit("}", 1)[-1].lower()
        path = f"{prefix}/{tag}" if prefix else tag
        out.add(path)
        out |= _paths(child, path)
    return out


def corpus_dialog(name: str) -> ET.Element:
    update = ET.fromstring(load(name).xml)
    data = update.find("data")
    d = data[0]
    return d[0] if d.tag.lower() == "dialogs" else d


def assert_same_shape(corpus_name: str, ours: ET.Element) -> None:
    missing = {p for p in _paths(corpus_dialog(corpus_name)) - _paths(ours)
               if not any(p == f or p.startswith(f + "/") for f in FLAVOURED)}
    assert missing == set(), f"the emulator's dialog lacks {sorted(missing)} of {corpus_name}"


def party(d: ET.Element, address: str) -> ET.Element:
    return next(p for p in d.iterfind("participants/Participant") if p.findtext("mediaAddress") == address)


@BOTH
def test_call_end_is_a_dropped_put_then_a_delete(finesse_emulator, agents):
    f, sub = agents["1001"]
    did = inbound_to(finesse_emulator, f, sub, "1001")
    assert dialog_put(f, did, "DROP", request_id="rel").status_code == 202
    n, d = dialog_update(sub, "1001", "PUT", "rel", dialog_id=did)
    assert (d.findtext("state"), party(d, "1001").findtext("state")) == ("DROPPED", "DROPPED")
    assert_same_shape("call_end_3_put_dropped_ucce.xml", d)
    n2, d2 = dialog_update(sub, "1001", "DELETE", dialog_id=did)
    assert_same_shape("call_end_4_delete_ucce.xml", d2)


@pytest.mark.parametrize("finesse_emulator", ["UCCE"], indirect=True)
def test_consult_transfer_names_the_consult_in_secondary_id(finesse_emulator, agents):
    (fa, sa), (fb, sb) = agents["1001"], agents["1002"]
    did = inbound_to(finesse_emulator, fa, sa, "1001")
    assert fa.put(f"/Dialog/{did}", "<Dialog><requestedAction>CONSULT_CALL</requestedAction><toAddress>1002</toAddress>"
                                    "<targetMediaAddress>1001</targetMediaAddress></Dialog>", "cons").status_code == 202
    _, c = dialog_update(sb, "1002", "POST", state="ALERTING", call_type="CONSULT")
    cid = c.findtext("id")
    assert dialog_put(fb, cid, "ANSWER", request_id="b-ans").status_code == 202
    dialog_update(sb, "1002", "PUT", "b-ans", dialog_id=cid, state="ACTIVE")
    assert dialog_put(fa, did, "TRANSFER", request_id="xfer").status_code == 202
    dialog_update(sb, "1002", "DELETE", dialog_id=cid)
    _, survivor = dialog_update(sb, "1002", "POST", dialog_id=did)
    assert (survivor.findtext("secondaryId"), survivor.findtext("associatedDialogUri")) == (cid, "")
    assert_same_shape("transfer_b4_post_surviving_call_ucce.xml", survivor)


@pytest.mark.parametrize("finesse_emulator", ["UCCX"], indirect=True)
def test_uccx_non_icd_call_keeps_the_agent_state(finesse_emulator, agents):
    f, sub = agents["1001"]
    assert f.post("/User/1001/Dialogs", "<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>1001"
                  "</fromAddress><toAddress>1002</toAddress></Dialog>", "mc").status_code == 202
    dialog_update(sub, "1001", "POST", "mc", state="INITIATING")
    # no User notification: the agent stays NOT_READY (guide: "The agent remains in NOT_READY state")
    assert f.get("/User/1001").text.count("<state>NOT_READY</state>") == 1
    assert not any(n.node == f"{API}/User/1001" for n in sub.drain())
