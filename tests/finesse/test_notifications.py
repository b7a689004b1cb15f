"""Notification payloads -> domain events, tolerantly (reference section 8): escaped
or inline Update, ``<dialog>`` or ``<Dialog>``, event in any case, elements in any
order; and safely (no DTD, no entities). The payloads are rendered by the emulator's
own XML writer (what GC meets in the end-to-end tests) and then shuffled and re-cased
by hypothesis: the events must not change."""
from __future__ import annotations

import datetime as dt
import random
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from gc_core.domain import (AgentError, Dialog, DialogChanged, Participant, Queue, QueueChanged, QueueStatistics,
                            ReasonCode, SystemInfo, TeamMember, TeamMemberChanged, TeamRef, User, UserChanged)
from gc_finesse import finesse_xml as FX
from gc_finesse.notifications import SystemInfoUpdate, updates_from_item
from gc_finesse.xmlparse import BadXML, UnsafeXML, parse
from gc_finesse_emulator import xmlcodec as X

T0 = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.timezone.utc)

USER = User(login_id="1001", first_name="Alice", last_name="Martin", extension="1001", state="NOT_READY",
            state_change_time=T0, pending_state="", reason_code=ReasonCode("8", "Break", "NOT_READY", "8"),
            team=TeamRef("1", "Sales"), roles=("Agent", "Supervisor"), teams=[TeamRef("1", "Sales")],
            wrap_up_on_incoming="OPTIONAL", wrap_up_on_outgoing="NOT_ALLOWED", login_name="alice")
DIALOG = Dialog(id="16871250", from_address="5550100", to_address="5000", state="ACTIVE", call_type="ACD_IN",
                participants=[Participant("5550100", "", "ACTIVE", "", T0, T0, []),
                              Participant("1001", "AGENT_DEVICE", "HELD", "", T0 + dt.timedelta(seconds=3), T0,
                                          ["RETRIEVE", "DROP"])],
                call_variables={"callVariable1": "Gold & <Silver>", "callVariable2": "", "user.cust": "42"},
                wrap_up_reason="", dialed_number="5000", dnis="5000", queue_name="Sales", queue_number="5000",
                associated_dialog_id="16871249", start_time=T0)


def item(update_xml: str) -> str:
    """What slixmpp hands over for Finesse's envelope: the escaped text's value."""
    return update_xml


def test_user_update_escaped():
    (ev,) = updates_from_item("1001", "/finesse/api/User/1001", X.user_update(USER, "r-7"))
    assert isinstance(ev, UserChanged) and ev.agent_id == "1001" and ev.request_id == "r-7"
    u = ev.user
    assert (u.login_id, u.first_name, u.last_name, u.extension, u.state) == ("1001", "Alice", "Martin", "1001",
                                                                            "NOT_READY")
    assert u.state_change_time == T0 and u.reason_code.id == "8" and u.reason_code.label == "Break"
    assert u.team == TeamRef("1", "Sales") and u.is_supervisor and u.teams == [TeamRef("1", "Sales")]
    assert (u.wrap_up_on_incoming, u.login_name) == ("OPTIONAL", "alice")


def test_inline_payload_gives_the_same_events():
    text = X.user_update(USER, "r-7")
    notification = ET.Element("{http://jabber.org/protocol/pubsub}notification")
    notification.append(ET.fromstring(text))
    assert updates_from_item("1001", "/finesse/api/User/1001", notification) == \
        updates_from_item("1001", "/finesse/api/User/1001", text)


def test_dialog_put_post_delete():
    put = updates_from_item("1001", "/finesse/api/User/1001/Dialogs", X.dialog_update(DIALOG, "PUT", "1001", "UCCE", "r"))
    post = updates_from_item("1001", "/finesse/api/User/1001/Dialogs", X.dialog_update(DIALOG, "POST", "1001", "UCCX"))
    delete = updates_from_item("1001", "/finesse/api/User/1001/Dialogs", X.dialog_update(DIALOG, "DELETE", "1001", "UCCE"))
    assert [type(e) for e in put + post + delete] == [DialogChanged] * 3
    assert [(e.change, e.request_id) for e in put + post + delete] == [("PUT", "r"), ("POST", ""), ("DELETE", "")]
    d = put[0].dialog
    assert (d.id, d.from_address, d.to_address, d.state, d.call_type) == ("16871250", "5550100", "5000", "ACTIVE",
                                                                          "ACD_IN")
    assert d.call_variables == {"callVariable1": "Gold & <Silver>", "callVariable2": "", "user.cust": "42"}
    assert d.associated_dialog_id == "16871249" and d.start_time == T0
    assert [(p.media_address, p.media_address_type, p.state, p.actions) for p in d.participants] == [
        ("5550100", "", "ACTIVE", []), ("1001", "AGENT_DEVICE", "HELD", ["RETRIEVE", "DROP"])]
    assert (d.queue_name, d.dnis, d.dialed_number) == ("Sales", "5000", "5000")


def test_non_voice_media_nodes_are_ignored():
    xml = X.dialog_update(DIALOG, "PUT", "1001", "UCCE")
    assert updates_from_item("1001", "/finesse/api/User/1001/Media/5", xml) == []
    assert len(updates_from_item("1001", "/finesse/api/User/1001/Dialogs", xml)) == 1


def test_async_error():
    xml = X.error_update("Call Operation Failure", "CF_INVALID_OBJECT_STATE", "22", "/finesse/api/Dialog/5", "r-9")
    (ev,) = updates_from_item("1001", "/finesse/api/User/1001/Dialogs", xml)
    assert ev == AgentError(agent_id="1001", error_code="CF_INVALID_OBJECT_STATE",
                            error_type="Call Operation Failure", error_data="22", request_id="r-9",
                            source="/finesse/api/Dialog/5")
    xml = X.error_update("Invalid Device", "", "", "/finesse/api/User/1001", "r-1")
    (ev,) = updates_from_item("1001", "/finesse/api/User/1001", xml)
    assert ev.error_code == "CF_INVALID_LOGON_DEVICE_SPECIFIED"  # ErrorType decides when the message is empty


def test_team_queue_and_system_info():
    member = TeamMember("1002", "Bob", "Durand", "1002", "READY", "", None, T0)
    (ev,) = updates_from_item("1100", "/finesse/api/Team/7/Users", X.team_member_update("7", member))
    assert isinstance(ev, TeamMemberChanged) and ev.team_id == "7"
    assert (ev.member.login_id, ev.member.state, ev.member.state_change_time) == ("1002", "READY", T0)
    stats = QueueStatistics(calls_in_queue=3, agents_ready=2, agents_not_ready=1, agents_logged_on=4,
                            agents_talking_inbound=1, start_time_of_longest_call_in_queue=T0)
    q = Queue("5", "Sales", stats)
    (ucce,) = updates_from_item("1100", "/finesse/api/Queue/5", X.queue_update(q, "UCCE"))
    assert isinstance(ucce, QueueChanged) and ucce.queue.id == "5" and ucce.queue.statistics == stats
    (uccx,) = updates_from_item("1100", "/finesse/api/Queue/5", X.queue_update(q, "UCCX"))
    s = uccx.queue.statistics
    assert (s.calls_in_queue, s.agents_logged_on, s.agents_ready, s.agents_talking_inbound) == (3, 4, 2, 1)
    info = SystemInfo(status="OUT_OF_SERVICE", deployment_type="UCCX", xmpp_domain="f.dom",
                      xmpp_pubsub_domain="pubsub.f.dom", status_reason="CTI down")
    el = X.system_info_el(info, primary=("10.0.0.1", 8445, 5222), secondary=("10.0.0.2", 8445, 5222))
    (ev,) = updates_from_item("1001", "/finesse/api/SystemInfo", X.system_info_update(el))
    assert isinstance(ev, SystemInfoUpdate)
    assert (ev.doc.info.status, ev.doc.info.deployment_type, ev.doc.info.xmpp_domain) == ("OUT_OF_SERVICE", "UCCX",
                                                                                        "f.dom")
    assert (ev.doc.secondary.host, ev.doc.secondary.rest_port) == ("10.0.0.2", 8445)


def test_unsafe_and_broken_payloads_yield_nothing():
    bomb = ('<!DOCTYPE u [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            "<Update><data><user><loginId>&b;</loginId></user></data><event>PUT</event></Update>")
    assert updates_from_item("1001", "/finesse/api/User/1001", bomb) == []
    assert updates_from_item("1001", "/finesse/api/User/1001", "<Update><data><user>") == []
    assert updates_from_item("1001", "/finesse/api/User/1001", "") == []
    assert updates_from_item("1001", "/finesse/api/User/1001", "<Other/>") == []
    for doc in (bomb, '<!DOCTYPE a SYSTEM "http://127.0.0.1:9/x.dtd"><a/>'):
        try:
            parse(doc)
            raise AssertionError("parsed")
        except UnsafeXML:
            pass
    try:
        parse("<a>&nope;</a>")
        raise AssertionError("parsed")
    except BadXML:
        pass


# -- any order, any case --------------------------------------------------------------
def scramble(xml: str, rnd: random.Random, *, dialog_tag: bool = True) -> str:
    """Shuffle every element's children and re-case every tag (text untouched)."""
    root = ET.fromstring(xml)

    def walk(el):
        children = list(el)
        rnd.shuffle(children)
        for c in list(el):
            el.remove(c)
        for c in children:
            el.append(c)
            walk(c)
        tag = el.tag
        choice = rnd.randrange(3)
        el.tag = tag.upper() if choice == 0 else tag.lower() if choice == 1 else tag
        if el.tag.lower() == "event" and el.text:
            el.text = el.text.lower() if rnd.random() < 0.5 else el.text
    walk(root)
    return ET.tostring(root, encoding="unicode")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["PUT", "POST", "DELETE"]), st.sampled_from(["UCCE", "UCCX"]))
def test_dialog_events_do_not_depend_on_order_or_case(seed, change, flavour):
    rnd = random.Random(seed)
    xml = X.dialog_update(DIALOG, change, "1001", flavour, "r-1")
    expected = updates_from_item("1001", "/finesse/api/User/1001/Dialogs", xml)
    got = updates_from_item("1001", "/finesse/api/User/1001/Dialogs", escape(scramble(xml, rnd)).replace(
        "&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    # participants and actions are lists in payload order: compare them as sets
    for e in expected + got:
        e.dialog.participants.sort(key=lambda p: p.media_address)
        for p in e.dialog.participants:
            p.actions.sort()
        e.dialog.call_variables = dict(sorted(e.dialog.call_variables.items()))
    assert got == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32))
def test_user_events_do_not_depend_on_order_or_case(seed):
    rnd = random.Random(seed)
    xml = X.user_update(USER, "r-2")
    expected = updates_from_item("1001", "/finesse/api/User/1001", xml)
    got = updates_from_item("1001", "/finesse/api/User/1001", scramble(xml, rnd))
    for e in expected + got:  # roles: a set in payload order
        e.user.roles = tuple(sorted(e.user.roles))
    assert got == expected


def test_rest_documents():
    user = FX.user(parse(X.user(USER)))
    assert (user.login_id, user.reason_code.label, user.state_change_time) == ("1001", "Break", T0)
    codes = FX.reason_codes(parse(X.reason_codes([ReasonCode("1", "Lunch", "NOT_READY", "12")], "NOT_READY")))
    assert [(c.id, c.label, c.category, c.code) for c in codes] == [("1", "Lunch", "NOT_READY", "12")]
    # real Finesse lists carry no <id>: it is the tail of the uri
    codes = FX.reason_codes(parse('<ReasonCodes category="LOGOUT"><ReasonCode><uri>/finesse/api/ReasonCode/21</uri>'
                                  "<category>LOGOUT</category><code>1</code><label>End</label></ReasonCode>"
                                  "</ReasonCodes>"))
    assert [(c.id, c.label) for c in codes] == [("21", "End")]
    wraps = FX.wrap_up_reasons(parse("<WrapUpReasons><WrapUpReason><uri>/finesse/api/WrapUpReason/205</uri>"
                                     "<label>Product Question</label><forAll>true</forAll></WrapUpReason>"
                                     "</WrapUpReasons>"))
    assert [(w.id, w.label) for w in wraps] == [("205", "Product Question")]
    assert FX.parse_time("2012-03-01T17:58:21Z") == dt.datetime(2012, 3, 1, 17, 58, 21, tzinfo=dt.timezone.utc)
    assert FX.parse_time("2012-03-01T19:58:21.5+02:00") == dt.datetime(2012, 3, 1, 17, 58, 21, 500000,
                                                                      tzinfo=dt.timezone.utc)
    assert FX.parse_time("") is None and FX.parse_time("garbage") is None


def test_request_bodies_escape_client_values():
    body = FX.update_call_data_body(call_variables={"callVariable1": "</value><x>&"}, wrap_up_reason="a<b")
    root = parse(body)
    assert root.find("mediaproperties/callvariables/callvariable/value").text == "</value><x>&"
    assert root.find("mediaproperties/wrapupreason").text == "a<b"
    body = FX.dialog_action_body("SEND_DTMF", target_media_address="1001", action_params={"dtmfString": "12#"})
    assert b"<ActionParam><name>dtmfString</name><value>12#</value></ActionParam>" in body
