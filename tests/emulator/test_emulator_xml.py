"""The emulator's XML rendering and request parsing, against the reference's samples."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from gc_core.domain import (CallbackInfo, Contact, Dialog, MobileAgent, Participant, PhoneBook, Queue,
                            QueueStatistics, ReasonCode, SystemInfo, Team, TeamMember, TeamRef, User, WrapUpReason)
from gc_finesse_emulator import xmlcodec as X

from . import reference_samples as R

T = dt.datetime(2014, 2, 11, 16, 10, 23, 121000, tzinfo=dt.timezone.utc)


def supervisor() -> User:
    return User("1100", "Sam", "Supervisor", "1100", state="NOT_READY", state_change_time=T,
                reason_code=ReasonCode("2", "Meeting", "NOT_READY", "2"), team=TeamRef("1", "Sales"),
                roles=("Agent", "Supervisor"), teams=[TeamRef("1", "Sales")], wrap_up_on_incoming="OPTIONAL",
                wrap_up_on_outgoing="NOT_ALLOWED", mobile_agent=MobileAgent("CALL_BY_CALL", "4085551234"))


def call(**kw) -> Dialog:
    d = Dialog("16871250", "5550100", "1001", "ACTIVE", call_type="ACD_IN",
               participants=[Participant("1001", "AGENT_DEVICE", "ACTIVE", "", T, T, ["HOLD", "DROP"]),
                             Participant("5550100", "", "ACTIVE", "", T, T, [])],
               call_variables={"callVariable1": "Chuck <Smith> & co", "user.ecc": "x"},
               wrap_up_reason="Sales Call", dialed_number="5000", dnis="5000", queue_name="Sales",
               queue_number="5000", associated_dialog_id="321654", secondary_id="16871251",
               scheduled_callback=CallbackInfo("2014-03-07T14:30", "9785551212"))
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def test_time_format_is_finesse_utc_milliseconds():
    assert X.fmt_time(T) == "2014-02-11T16:10:23.121Z"
    cet = dt.timezone(dt.timedelta(hours=1))
    assert X.fmt_time(T.astimezone(cet)) == "2014-02-11T16:10:23.121Z"
    assert X.fmt_time(None) == ""


def test_user_has_every_element_of_the_reference_sample():
    xml = X.user(supervisor())
    assert R.missing_paths(R.USER, xml) == set()
    el = ET.fromstring(xml)
    assert el.findtext("reasonCodeId") == "2"
    assert el.findtext("ReasonCode/uri") == "/finesse/api/ReasonCode/2"
    assert el.findtext("teams/Team/uri") == "/finesse/api/Team/1"
    assert el.findtext("dialogs") == "/finesse/api/User/1100/Dialogs"
    assert el.findtext("stateChangeTime") == "2014-02-11T16:10:23.121Z"
    assert [r.text for r in el.find("roles")] == ["Agent", "Supervisor"]


def test_plain_agent_without_reason_has_minus_one_and_no_teams():
    u = User("1001", "Alice", "Martin", "1001", state="NOT_READY", team=TeamRef("1", "Sales"))
    el = ET.fromstring(X.user(u))
    assert R.missing_paths(R.USER, el, R.USER_OPTIONAL) == set()
    assert el.findtext("reasonCodeId") == "-1"
    assert el.find("ReasonCode") is None and el.find("teams") is None and el.find("mobileAgent") is None


@pytest.mark.parametrize("flavour", ["UCCE", "UCCX"])
def test_dialog_has_every_element_of_the_reference_sample(flavour):
    el = ET.fromstring(X.dialog(call(), flavour))
    assert R.missing_paths(R.DIALOG, el) == set()
    assert el.findtext("associatedDialogUri") == "/finesse/api/Dialog/321654"
    assert el.findtext("uri") == "/finesse/api/Dialog/16871250"
    cvs = {cv.findtext("name"): cv.findtext("value") for cv in el.iter("CallVariable")}
    assert cvs == {"callVariable1": "Chuck <Smith> & co", "user.ecc": "x"}
    customer = el.findall("participants/Participant")[1]
    assert customer.findtext("mediaAddressType") == ""


def test_dialog_media_properties_differ_by_flavour():
    ucce = ET.fromstring(X.dialog(call(), "UCCE")).find("mediaProperties")
    uccx = ET.fromstring(X.dialog(call(), "UCCX")).find("mediaProperties")
    assert ucce.find("callKeyCallId") is not None and ucce.find("callGUID") is not None
    assert ucce.find("wrapUpItems") is None
    assert uccx.find("wrapUpItems") is not None and uccx.find("callGUID") is None


def test_dialog_without_callback_has_no_callback_info():
    el = ET.fromstring(X.dialog(call(scheduled_callback=None, associated_dialog_id=None), "UCCE"))
    assert el.find("scheduledCallbackInfo") is None
    assert el.findtext("associatedDialogUri") == ""


def test_reason_codes_and_wrap_up_reasons_match_samples():
    rc = X.reason_codes([ReasonCode("1", "Lunch", "NOT_READY", "12")], "NOT_READY")
    assert R.missing_paths(R.REASON_CODES, rc) == set()
    assert ET.fromstring(rc).get("category") == "NOT_READY"
    wr = X.wrap_up_reasons([WrapUpReason("205", "Product Question")])
    assert R.missing_paths(R.WRAP_UP_REASONS, wr) == set()
    assert ET.fromstring(wr).findtext("WrapUpReason/uri") == "/finesse/api/WrapUpReason/205"


def test_team_matches_sample_and_can_hide_logged_out_agents():
    members = [TeamMember("1001", "Alice", "Martin", "1001", "READY", state_change_time=T),
               TeamMember("1002", "Bob", "Durand", "1002", "LOGOUT",
                          reason_code=ReasonCode("21", "End of Shift", "LOGOUT"))]
    xml = X.team(Team("1", "Sales", members))
    assert R.missing_paths(R.TEAM, xml) == set()
    assert len(ET.fromstring(xml).findall("users/User")) == 2
    only_in = ET.fromstring(X.team(Team("1", "Sales", members), include_logged_out=False))
    assert [u.findtext("loginId") for u in only_in.findall("users/User")] == ["1001"]


def test_queue_statistics_shape_per_flavour():
    q = Queue("1", "Sales", QueueStatistics(calls_in_queue=2, agents_ready=1, agents_logged_on=3))
    ucce = ET.fromstring(X.queue(q, "UCCE"))
    assert [c.tag for c in ucce.find("statistics")] == list(R.QUEUE_UCCE_FIELDS)
    assert ucce.findtext("statistics/callsInQueue") == "2"
    uccx = ET.fromstring(X.queue(q, "UCCX"))
    assert [c.tag for c in uccx.find("statistics/SnapShot")] == list(R.QUEUE_UCCX_SNAPSHOT)
    assert [c.tag for c in uccx.find("statistics/SinceMidNight")] == list(R.QUEUE_UCCX_SINCE_MIDNIGHT)
    assert uccx.findtext("statistics/SnapShot/WaitingCalls") == "2"
    assert uccx.findtext("statistics/SnapShot/AgentsLoggedIn") == "3"


def test_phonebooks_and_contacts_match_samples():
    books = ET.fromstring(X.phonebooks([PhoneBook("1", "Company", "GLOBAL")]))
    assert R.missing_paths(R.PHONEBOOK, books.find("PhoneBook")) == set()
    contacts = X.contacts("1", [Contact("7", "Front", "Desk", "5551000", "Reception")])
    assert R.missing_paths(R.CONTACTS, contacts) == set()
    assert ET.fromstring(contacts).findtext("Contact/uri") == "/finesse/api/PhoneBook/1/Contact/7"


def test_system_info_and_api_errors_match_samples():
    el = X.system_info_el(SystemInfo("IN_SERVICE", "UCCE", "finesse.local", "pubsub.finesse.local"),
                          primary=("127.0.0.1", 1, 2), secondary=("127.0.0.1", 3, 4))
    assert R.missing_paths(R.SYSTEM_INFO, el) == set()
    assert el.findtext("secondaryNode/xmppPort") == "4"
    assert X.api_errors("Service Unavailable", "SERVER_OUT_OF_SERVICE") == R.API_ERRORS


def test_update_envelopes():
    up = ET.fromstring(X.dialog_update(call(), "POST", "1001", "UCCE", "r-1"))
    assert R.missing_paths(R.UPDATE, up) == set()
    assert up.findtext("event") == "POST" and up.findtext("requestId") == "r-1"
    assert up.findtext("source") == "/finesse/api/User/1001/Dialogs"
    put = ET.fromstring(X.dialog_update(call(), "PUT", "1001", "UCCE"))
    assert put.find("data/dialog") is not None and put.findtext("source") == "/finesse/api/Dialog/16871250"
    delete = ET.fromstring(X.dialog_update(call(), "DELETE", "1001", "UCCE"))
    assert delete.find("data/dialogs/Dialog") is not None and delete.findtext("event") == "DELETE"
    err = X.error_update("Call Operation Failure", "CF_RESOURCE_OUT_OF_SERVICE", "34", "/finesse/api/Dialog/12345",
                         "abc")
    assert R.missing_paths(R.ASYNC_ERROR, err) == set()
    user = ET.fromstring(X.user_update(supervisor(), "q"))
    assert user.find("data/user/loginId").text == "1100" and user.findtext("source") == "/finesse/api/User/1100"


def test_notification_payload_is_escaped_text():
    update = X.user_update(supervisor())
    el = X.notification_payload(update)
    assert len(el) == 0 and el.text == update
    wire = ET.tostring(el, encoding="unicode")
    assert "&lt;Update&gt;" in wire and "<Update>" not in wire


# -- request parsing --------------------------------------------------------------------
@pytest.mark.parametrize("body, error_type", [
    (b"", "Bad Request"),
    (b"<User><state>READY</state>", "Bad Request"),
    (b"not xml at all", "Bad Request"),
    (b'<?xml version="1.0"?><!DOCTYPE User [<!ENTITY s "READY">]><User><state>&s;</state></User>', "Bad Request"),
    (b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><User>&lol2;</User>', "Bad Request"),
    (b'<!DOCTYPE User SYSTEM "file:///etc/passwd"><User><state>READY</state></User>', "Bad Request"),
    (b"<Dialog><state>READY</state></Dialog>", "Invalid Input"),
    (b"<User>" + b"x" * (X.MAX_BODY + 1) + b"</User>", "Bad Request"),
])
def test_parse_body_refuses_bad_input(body, error_type):
    with pytest.raises(X.BadRequest) as info:
        X.parse_body(body, "User")
    assert info.value.error_type == error_type


def test_parse_body_and_fields():
    root = X.parse_body(b"<?xml version='1.0' encoding='UTF-8'?><Dialog><requestedAction>UPDATE_CALL_DATA"
                        b"</requestedAction><mediaProperties><wrapUpReason>Happy</wrapUpReason><callvariables>"
                        b"<CallVariable><name>callVariable1</name><value>x</value></CallVariable></callvariables>"
                        b"</mediaProperties><actionParams><ActionParam><name>dtmfString</name><value>12#</value>"
                        b"</ActionParam></actionParams></Dialog>", "Dialog")
    assert X.text(root, "requestedAction") == "UPDATE_CALL_DATA"
    assert X.text(root, "toAddress") is None
    assert X.parse_call_variables(root.find("mediaProperties")) == ({"callVariable1": "x"}, "Happy")
    assert X.parse_action_params(root) == {"dtmfString": "12#"}
    ma = X.parse_mobile_agent(X.parse_body(b"<User><state>LOGIN</state><mobileAgent><mode>NAILED_CONNECTION</mode>"
                                           b"<dialNumber>4085551234</dialNumber></mobileAgent></User>", "User"))
    assert ma == MobileAgent("NAILED_CONNECTION", "4085551234")
    assert X.dialog_id_from_uri("/finesse/api/Dialog/42") == "42"
