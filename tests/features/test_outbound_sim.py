"""Issue #6, outbound plugin, on the sim (UCCE Outbound Preview, UCCX Direct Preview),
through real sockets: reservations arrive as calls; Accept / Reject / Close, personal
callbacks, scheduled callbacks and reclassification answer with InboundCall events."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess

from .helpers import call_vars, dropped, error_view, inbound, new_inbound, party, sim_config, state
from tests.expected import described

CUSTOMER = "5550199"


@pytest.fixture(scope="module", params=["UCCE", "UCCX"])
def gc(request, site, tmp_path_factory):
    with GCProcess(sim_config(site, request.param), workdir=tmp_path_factory.mktemp(f"gc-ob-{request.param}")) as p:
        p.flavour = request.param
        yield p


@pytest.fixture
def flavour(gc):
    return gc.flavour


def preview_kind(flavour: str) -> str:
    return "OUTBOUND_PREVIEW" if flavour == "UCCE" else "OUTBOUND_DIRECT_PREVIEW"


def ba_vars(flavour: str, status: str, list_id: str) -> list:
    prefix = "" if flavour == "UCCE" else "DIRECT_"
    return call_vars(CUSTOMER, BACampaign="Spring", BAAccountNumber="AC-1", BAResponse="",
                     BAStatus=f"{prefix}{status}", BADialedListID=list_id, BATimeZone="UTC", BABuddyName="")


def reserve(flavour, desk, customer, kind=None):
    """A preview reservation placed on the (READY) agent of ``desk``; checks that it
    arrives as a call: NewInboundCall and InboundCall with the outbound callType and the
    BA variables, the agent RESERVED_OUTBOUND_PREVIEW. Returns (dialog id, BA variables)."""
    a = desk.agent
    kind = kind or preview_kind(flavour)
    dialog = customer.preview(a, kind, CUSTOMER)
    events = desk.sync()
    list_id = next((v["BADialedListID"] for v in events[0]["callVariables"] if "BADialedListID" in v), "?") \
        if events else "?"
    variables = ba_vars(flavour, "PREVIEW_OUTBOUND_RESERVATION", list_id)
    assert events == [new_inbound(a, dialog, CUSTOMER, kind, variables=variables),
                      inbound(a, dialog, "ALERTING", CUSTOMER, [party(a.ext, "ALERTING")], kind, variables=variables),
                      state(a, "RESERVED_OUTBOUND_PREVIEW")]
    return dialog, list_id


def accepted_events(flavour, a, dialog, kind, list_id, rid):
    """What accepting a reservation answers: UCCE ACCEPTED then the customer dialled on
    the same dialog; UCCX (ANSWER) the customer dialled at once."""
    reserved = ba_vars(flavour, "PREVIEW_OUTBOUND_RESERVATION", list_id)
    dialling = ba_vars(flavour, "PREVIEW_OUTBOUND", list_id)
    out = []
    if flavour == "UCCE":
        out.append(inbound(a, dialog, "ACCEPTED", CUSTOMER, [party(a.ext, "ACCEPTED")], kind, variables=reserved,
                           rid=rid))
    dialling_call = inbound(a, dialog, "INITIATED", a.ext, [party(a.ext, "INITIATED"), party(CUSTOMER, "ALERTING",
                                                                                           agent=False)],
                            kind, variables=dialling, rid=rid)
    dialling_call["callVariables"][10] = {"ani": a.ext}
    return out + [dialling_call, state(a, "TALKING", rid=rid)]


def test_accept_outbound_preview(gc, flavour, team, desks, customer):
    a = team.agents[0]
    desk = desks(a)
    desk.login(ready=True)
    dialog, list_id = reserve(flavour, desk, customer)
    r, events = desk.do("AcceptOutboundPreview", {"dialogId": dialog})
    assert events == accepted_events(flavour, a, dialog, preview_kind(flavour), list_id, r)
    # the customer answers, the agent hangs up: back to READY
    customer.answer(dialog)
    assert [(e["type"], e["state"]) for e in desk.sync()] == [("InboundCall", "ACTIVE")]
    r, events = desk.do("ReleaseCall", {"dialogId": dialog})
    assert events == [dropped(a, dialog, rid=r), state(a, "READY", rid=r)]


@pytest.mark.parametrize("command, params", [
    ("RejectOutboundPreview", {}),
    ("RejectOutboundPreview", {"action": "REJECT"}),
    # the command decides: a conflicting action is ignored (docs/protocol.md, Decisions)
    ("RejectOutboundPreview", {"action": "ACCEPT"}),
])
def test_reject_outbound_preview(gc, flavour, team, desks, customer, command, params):
    a = team.agents[0]
    desk = desks(a)
    desk.login(ready=True)
    dialog, _ = reserve(flavour, desk, customer)
    r, events = desk.do(command, {"dialogId": dialog, **params})
    assert events == [dropped(a, dialog, rid=r), state(a, "READY", rid=r)]


def test_close_outbound_preview_is_ucce_only(gc, flavour, team, desks, customer):
    a = team.agents[0]
    desk = desks(a)
    desk.login(ready=True)
    dialog, _ = reserve(flavour, desk, customer)
    r, events = desk.do("CloseOutboundPreview", {"dialogId": dialog})
    if flavour == "UCCE":
        assert events == [dropped(a, dialog, rid=r), state(a, "READY", rid=r)]
    else:  # UCCX direct preview has no CLOSE: the command is not offered
        assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "PLEASE_RETRY",
                                                    "errorOrigin": "GC", "agentId": a.id, "requestId": r}]
        assert events[0]["errorDescription"] == described("PLEASE_RETRY", "CloseOutboundPreview is not available "
                                                          "on the sim UCCX backend "
                                                 "(needs OUTBOUND_PREVIEW)")
        _r, events = desk.do("getdialogstate", {"dialogId": dialog})
        assert events[0]["state"] == "ALERTING"


def test_personal_callback_accept_and_reject(gc, flavour, team, desks, customer):
    a = team.agents[0]
    desk = desks(a)
    desk.login(ready=True)
    kind = "OUTBOUND_CALLBACK_PREVIEW"
    dialog, _ = reserve(flavour, desk, customer, kind)
    r, events = desk.do("RejectOutboundPreview", f"{dialog},REJECT")  # positional, as the spec sends it
    assert events == [dropped(a, dialog, rid=r), state(a, "READY", rid=r)]
    dialog, list_id = reserve(flavour, desk, customer, kind)
    r, events = desk.do("AcceptOutboundPreview", f"{dialog},ACCEPT")
    assert events == accepted_events(flavour, a, dialog, kind, list_id, r)


def test_accept_the_personal_callback_as_the_spec_sends_it(gc, flavour, team, desks, customer):
    """The spec's row "Accept the personal callback": AcceptOutboundPreview#<id>|<dialog>,REJECT.
    The command decides: the callback is accepted, never silently rejected (issue 11, row 1)."""
    a = team.agents[0]
    desk = desks(a)
    desk.login(ready=True)
    kind = "OUTBOUND_CALLBACK_PREVIEW"
    dialog, list_id = reserve(flavour, desk, customer, kind)
    r, events = desk.do("AcceptOutboundPreview", f"{dialog},REJECT")
    assert events == accepted_events(flavour, a, dialog, kind, list_id, r)


def test_schedule_update_and_cancel_a_callback(gc, flavour, team, desks, customer):
    a = team.agents[0]
    desk = desks(a)
    desk.login(ready=True)
    dialog, list_id = reserve(flavour, desk, customer)
    variables = ba_vars(flavour, "PREVIEW_OUTBOUND_RESERVATION", list_id)
    ringing = [party(a.ext, "ALERTING")]
    kind = preview_kind(flavour)

    def controls():
        _r, ev = desk.do("getdialogstatecontrols", {"dialogId": dialog})
        return ev[0]["controls"]
    assert "CANCEL_SCHEDULED_CALLBACK" not in controls()
    r, events = desk.do("SHCEDULECALLBACK", {"targetMediaAddress": a.ext, "dialogId": dialog,
                                             "callbackTime": "2030-01-02 10:30", "callbackNumber": ""})
    assert events == [inbound(a, dialog, "ALERTING", CUSTOMER, ringing, kind, variables=variables, rid=r)]
    assert "CANCEL_SCHEDULED_CALLBACK" in controls()
    r, events = desk.do("UPDATECALLBACK", f"{a.ext},{dialog},2030-01-03T11:45,5550111")
    assert events == [inbound(a, dialog, "ALERTING", CUSTOMER, ringing, kind, variables=variables, rid=r)]
    r, events = desk.do("SCHEDULECALLBACK", {"targetMediaAddress": a.ext, "dialogId": dialog,  # the alias
                                             "callbackTime": "2030-01-04T09:00:00", "callbackNumber": "+5550112"})
    assert events == [inbound(a, dialog, "ALERTING", CUSTOMER, ringing, kind, variables=variables, rid=r)]
    r, events = desk.do("CANCELSHCEDULECALLBACK", {"targetMediaAddress": a.ext, "dialogId": dialog})
    assert events == [inbound(a, dialog, "ALERTING", CUSTOMER, ringing, kind, variables=variables, rid=r)]
    assert "CANCEL_SCHEDULED_CALLBACK" not in controls()


def test_reclassify_an_outbound_call(gc, flavour, team, desks, customer):
    a = team.agents[0]
    desk = desks(a)
    desk.login(ready=True)
    dialog, list_id = reserve(flavour, desk, customer)
    desk.do("AcceptOutboundPreview", {"dialogId": dialog})
    customer.answer(dialog)
    desk.sync()
    r, events = desk.do("RECLASSIFYCALL", {"targetMediaAddress": a.ext, "dialogId": dialog, "value": "ANS_MACHINE"})
    expected = inbound(a, dialog, "ACTIVE", a.ext, [party(a.ext, "ACTIVE"), party(CUSTOMER, "ACTIVE", agent=False)],
                       preview_kind(flavour), variables=ba_vars(flavour, "PREVIEW_OUTBOUND", list_id), rid=r)
    expected["callVariables"][10] = {"ani": a.ext}
    assert events == [expected]
    r, events = desk.do("RECLASSIFYCALL", {"targetMediaAddress": a.ext, "dialogId": dialog, "value": "SPAM"})
    assert [e["errorCode"] for e in events] == ["PLEASE_RETRY"]  # not one of Finesse's classifications


def test_wrong_dialogs(gc, flavour, team, desks, customer):
    a = team.agents[0]
    desk = desks(a)
    desk.login(ready=True)
    for command, params in [("AcceptOutboundPreview", {"dialogId": "4711"}),
                            ("RejectOutboundPreview", {"dialogId": "4711"}),
                            ("SHCEDULECALLBACK", {"targetMediaAddress": a.ext, "dialogId": "4711",
                                                  "callbackTime": "2030-01-02T10:30", "callbackNumber": ""}),
                            ("CANCELSHCEDULECALLBACK", {"targetMediaAddress": a.ext, "dialogId": "4711"}),
                            ("RECLASSIFYCALL", {"targetMediaAddress": a.ext, "dialogId": "4711", "value": "FAX"})]:
        r, events = desk.do(command, params)
        assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "NO_DIALOG_ID", "errorOrigin": "GC",
                                                    "agentId": a.id, "requestId": r}], command
    # an ordinary inbound call is not a reservation: Accept does not answer it
    dialog = customer.call(team)
    desk.sync()
    r, events = desk.do("AcceptOutboundPreview", {"dialogId": dialog})
    assert [e["errorCode"] for e in events] == ["PLEASE_RETRY"]
    assert events[0]["errorDescription"] == described("PLEASE_RETRY", f"AcceptOutboundPreview: dialog {dialog} is "
                                                      "not an outbound preview reservation (callType ACD_IN)")
    _r, events = desk.do("getdialogstate", {"dialogId": dialog})
    assert events[0]["state"] == "ALERTING"
