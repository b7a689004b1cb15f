"""The client events each corpus payload must cause, written from the spec
(gc-json-api.txt: "Inbound Call State", "Release Call Output", "Complete Transfer",
"Complete Conference", "Agent State", the error table) and Finesse's documented
meaning of the payload (its header names the page). Never from GC's output.

``FLOWS``: name -> (agents {id: extension}, [(payload file, agent it reaches,
expected events)]). A flow's payloads are replayed in order on one set of bindings.
"""
from __future__ import annotations

from tests.expected import described

A, B, C = "1001001", "1001002", "1001003"
CUST = "2002"
START = "2014-02-11 16:10:23"    # the earliest participant startTime: the call's start
CHANGE = "2014-02-11 16:10:25"   # every participant's stateChangeTime in these payloads
V10 = {"callVariable1": "Account 100", "callVariable2": "Gold", "callVariable10": "last"}


def cv(ani: str, values: dict = V10, rest: tuple = ()) -> list:
    """callVariable1..10, then ani (11th in every spec sample), then the rest in order."""
    return ([{f"callVariable{i}": values.get(f"callVariable{i}", "")} for i in range(1, 11)]
            + [{"ani": ani}] + [{k: v} for k, v in rest])


def p(address: str, state: str, *, agent: bool = True, cause: str = "") -> dict:
    return {"mediaAddress": address, "state": state, "addressType": "AGENT_DEVICE" if agent else "",
            "stateCause": cause, "stateChangeTime": CHANGE}


def rid(event: dict, request_id):
    if request_id:
        event["requestId"] = request_id
    return event


def call(agent, did, state, frm, parts, ctype, variables, *, prev=None, request_id=None) -> dict:
    return rid({"type": "InboundCall", "dialogId": did, "state": state, "startTime": START, "prevDialogId": prev,
                "fromAddress": frm, "callVariables": variables, "participantsCount": str(len(parts)),
                "participants": parts, "callType": ctype, "agentId": agent}, request_id)


def new_call(agent, did, frm, ctype, variables, request_id=None) -> dict:
    return rid({"type": "NewInboundCall", "dialogId": did, "fromAddress": frm, "callVariables": variables,
                "callType": ctype, "agentId": agent}, request_id)


def dropped(agent, did, *, state="DROPPED", prev=None, request_id=None) -> dict:
    return rid({"type": "InboundCall", "dialogId": did, "prevDialogId": prev, "state": state, "agentId": agent},
               request_id)


def consult(agent, did, frm, to, parts, variables, request_id=None) -> dict:
    return rid({"type": "ConsultCall", "state": "INITIATED", "assDialogId": did, "fromAddress": frm, "toAddress": to,
                "startTime": START, "callVariables": variables, "participants": parts, "callType": "CONSULT",
                "agentId": agent}, request_id)


def user_state(agent, state, *, reason="", label="", pending="", ext=A, full="Agent One",
               when="2012-03-01 17:58:21", request_id=None) -> dict:
    return rid({"type": "State", "agentId": agent, "state": state, "reasonCode": reason, "stateChangeTimeString": "",
                "pendingState": pending, "stateChangeTime": when, "fullName": full, "extension": ext,
                "label": label}, request_id)


def member(login, last, ext, state, *, label="", when="2012-03-01 17:58:21") -> dict:
    return {"firstName": "Agent", "lastName": last, "extension": ext, "loginId": login, "state": state,
            "pendingState": "", "mediaType": "AGENT_DEVICE", "stateChangeTime": when, "label": label}


def error(agent, code, etype, data, *, description=None, request_id=None) -> dict:
    """An Error; ``description`` None: not compared (the catalogue's wording)."""
    out = {"type": "Error", "agentId": agent, "errorCode": code, "errorOrigin": "Finesse",
           "finesseErrorType": etype, "finesseErrorData": data}
    if description is not None:
        out["errorDescription"] = description
    return rid(out, request_id)


ECC = (("user.layout", "support"), ("user.ids[0]", "A-17"), ("user.ids[1]", "B-42"), ("user.cust.tier", "2"))
CVP_VALUES = {"callVariable1": "Account 100"}
CVP = (("user.microapp.ToExtVXML[0]", "application=Billing;lang=en-us"), ("user.microapp.ToExtVXML[1]", ""),
       ("user.microapp.FromExtVXML[0]", "result=paid"), ("user.microapp.caller_input", "1234"),
       ("user.microapp.media_server", "vxml.example.net"), ("user.media.id", "6C0E1B2A00010000000000F8"))
BA = (("BACampaign", "Renewals"), ("BAAccountNumber", "0001"), ("BAResponse", ""),
      ("BAStatus", "PREVIEW_OUTBOUND_RESERVATION"), ("BADialedListID", "12"), ("BATimeZone", "-300"),
      ("BABuddyName", "Customer,One"))
BAX = (("BACampaign", "Reminders"), ("BAAccountNumber", "0002"), ("BAResponse", ""),
       ("BAStatus", "DIRECT_PREVIEW_OUTBOUND_RESERVATION"), ("BADialedListID", "7"), ("BATimeZone", "60"),
       ("BABuddyName", "Customer,Two"), ("BACustomerNumber", "5550134"))
LAYOUT = (("user.layout", "sales"),)
PROSE = ("<ConferenceCallCommand>: Conference failed...causes include agent already has a consult call or "
         "conferencing a non-conference controller.")

FLOWS = {
    "call end (UCCE)": ({A: A}, [
        ("call_end_1_post_alerting_ucce.xml", A, [
            new_call(A, "16817434", CUST, "ACD_IN", cv(CUST, rest=LAYOUT)),
            call(A, "16817434", "ALERTING", CUST, [p(CUST, "ACTIVE", agent=False), p(A, "ALERTING")], "ACD_IN",
                 cv(CUST, rest=LAYOUT))]),
        ("call_end_2_put_active_ucce.xml", A, [
            call(A, "16817434", "ACTIVE", CUST, [p(CUST, "ACTIVE", agent=False), p(A, "ACTIVE")], "ACD_IN",
                 cv(CUST, rest=LAYOUT), request_id="ans-1")]),
        ("call_end_3_put_dropped_ucce.xml", A, [dropped(A, "16817434")]),
        ("call_end_4_delete_ucce.xml", A, []),   # the end was reported: exactly one DROPPED
    ]),
    "wrap-up (UCCE)": ({A: A}, [
        ("wrap_up_1_put_active_ucce.xml", A, [
            call(A, "16817500", "ACTIVE", CUST, [p(CUST, "ACTIVE", agent=False), p(A, "ACTIVE")], "ACD_IN", cv(CUST))]),
        ("wrap_up_2_put_wrap_up_ucce.xml", A, [
            call(A, "16817500", "WRAP_UP", CUST, [p(CUST, "DROPPED", agent=False), p(A, "WRAP_UP")], "ACD_IN",
                 cv(CUST))]),
        ("wrap_up_3_put_reason_ucce.xml", A, [
            call(A, "16817500", "WRAP_UP", CUST, [p(CUST, "DROPPED", agent=False), p(A, "WRAP_UP")], "ACD_IN",
                 cv(CUST), request_id="wu-1")]),
        ("wrap_up_4_delete_ucce.xml", A, [dropped(A, "16817500", request_id="ready-1")]),
    ]),
    "consult transfer, transferring agent (UCCE)": ({A: A}, [
        ("transfer_a1_put_consult_initiated_ucce.xml", A, [
            consult(A, "16817601", A, B, [p(A, "INITIATED"), p(B, "ALERTING")], cv(A), request_id="cons-1")]),
        ("transfer_a2_put_original_dropped_ucce.xml", A, [
            dropped(A, "16817600", prev="16817601", request_id="xfer-1")]),
        ("transfer_a3_delete_original_ucce.xml", A, []),
    ]),
    "consult transfer, consulted agent (UCCE)": ({B: B}, [
        ("transfer_b1_post_consult_alerting_ucce.xml", B, [
            new_call(B, "16817601", A, "CONSULT", cv(A)),
            call(B, "16817601", "ALERTING", A, [p(A, "INITIATED"), p(B, "ALERTING")], "CONSULT", cv(A))]),
        ("transfer_b2_put_consult_active_ucce.xml", B, [
            call(B, "16817601", "ACTIVE", A, [p(A, "ACTIVE"), p(B, "ACTIVE")], "CONSULT", cv(A))]),
        ("transfer_b3_delete_consult_ucce.xml", B, [dropped(B, "16817601")]),
        ("transfer_b4_post_surviving_call_ucce.xml", B, [
            call(B, "16817600", "ACTIVE", CUST, [p(CUST, "ACTIVE", agent=False), p(B, "ACTIVE")], "TRANSFER",
                 cv(CUST), prev="16817601")]),
    ]),
    "conference (UCCE)": ({A: A}, [
        ("conference_put_three_parties_ucce.xml", A, [
            call(A, "16817700", "ACTIVE", CUST, [p(CUST, "ACTIVE", agent=False), p(A, "ACTIVE"), p(C, "ACTIVE")],
                 "CONFERENCE", cv(CUST), prev="16817701", request_id="conf-1")]),
    ]),
    "ECC arrays (UCCE)": ({A: A}, [
        ("variables_ecc_arrays_post_ucce.xml", A, [
            new_call(A, "16817800", CUST, "ACD_IN", cv(CUST, rest=ECC)),
            call(A, "16817800", "ALERTING", CUST, [p(CUST, "ACTIVE", agent=False), p(A, "ALERTING")], "ACD_IN",
                 cv(CUST, rest=ECC))]),
    ]),
    "CVP variables (UCCE)": ({A: A}, [
        ("variables_cvp_put_ucce.xml", A, [
            call(A, "16817801", "ACTIVE", CUST, [p(CUST, "ACTIVE", agent=False), p(A, "ACTIVE")], "ACD_IN",
                 cv(CUST, CVP_VALUES, CVP))]),
    ]),
    "outbound preview (UCCE)": ({A: A}, [
        ("variables_outbound_preview_post_ucce.xml", A, [
            new_call(A, "16817802", "3000", "OUTBOUND_PREVIEW", cv("3000", rest=BA)),
            call(A, "16817802", "ALERTING", "3000", [p(A, "ALERTING")], "OUTBOUND_PREVIEW", cv("3000", rest=BA))]),
    ]),
    "direct preview (UCCX)": ({A: A}, [
        ("variables_direct_preview_post_uccx.xml", A, [
            new_call(A, "16817803", "3000", "OUTBOUND_DIRECT_PREVIEW", cv("3000", {}, BAX)),
            call(A, "16817803", "ALERTING", "3000", [p(A, "ALERTING")], "OUTBOUND_DIRECT_PREVIEW",
                 cv("3000", {}, BAX))]),
    ]),
    "call end (UCCX)": ({A: A}, [
        ("uccx_call_1_post_alerting.xml", A, [
            new_call(A, "33554440", CUST, "ACD_IN", cv(CUST)),
            call(A, "33554440", "ALERTING", CUST, [p(CUST, "ACTIVE", agent=False), p(A, "ALERTING")], "ACD_IN",
                 cv(CUST))]),
        ("uccx_call_2_put_dropped.xml", A, [dropped(A, "33554440")]),
        ("uccx_call_3_delete.xml", A, []),
    ]),
    "non-ICD call (UCCX)": ({A: A}, [
        ("uccx_non_icd_post_initiating.xml", A, [
            call(A, "33554441", "INITIATING", A, [p(A, "INITIATING")], "AGENT_INSIDE", cv(A, {}),
                 request_id="mc-x")]),
    ]),
    "failed MakeCall (UCCE)": ({A: A}, [
        ("failed_call_1_post_initiating_ucce.xml", A, [
            call(A, "16817900", "INITIATING", A, [p(A, "INITIATING")], "AGENT_OUT", cv(A, {}), request_id="mc-1")]),
        ("failed_call_2_put_bad_destination_ucce.xml", A, [
            {"type": "Error", "agentId": A, "errorCode": "BAD_DESTINATION", "errorOrigin": "Finesse",
             "requestId": "mc-1"},
            dropped(A, "16817900", state="FAILED")]),
        ("failed_call_3_delete_ucce.xml", A, []),
    ]),
    "busy MakeCall (UCCX)": ({A: A}, [
        ("failed_call_busy_put_uccx.xml", A, [dropped(A, "33554442", state="FAILED", request_id="mc-2")]),
    ]),
    "dialogs without id": ({A: A}, [
        ("no_id_post_dialogs_ucce.xml", A, []),
        ("no_id_put_dialog_uccx.xml", A, []),
    ]),
    "user: the guide's sample": ({A: A}, [
        ("user_put_logout_guide_sample.xml", A, [
            user_state(A, "LOGOUT", reason="2", label="Team Meeting", ext="", full="AGENT 1001001", when="")]),
    ]),
    "user states": ({A: A}, [
        ("user_put_talking_stale_reason.xml", A, [user_state(A, "TALKING")]),
        ("user_put_ready_uccx.xml", A, [user_state(A, "READY", request_id="r-ready")]),
        ("user_put_not_ready_supervisor_uccx.xml", A, [
            user_state(A, "NOT_READY", reason="33", label="Supervisor Not Ready")]),
        ("user_put_not_ready_supervisor_ucce.xml", A, [
            user_state(A, "NOT_READY", reason="999", label="Supervisor Not Ready")]),
        ("user_put_talking_pending_ready_ucce.xml", A, [
            user_state(A, "TALKING", pending="READY", request_id="r-pend")]),
        ("user_put_work_ready_ucce.xml", A, [user_state(A, "WORK_READY")]),
    ]),
    "asynchronous errors": ({A: A}, [
        ("error_cti_resource_out_of_service.xml", A, [
            error(A, "CF_RESOURCE_OUT_OF_SERVICE", "Call Operation Failure", "34")]),
        ("error_conference_prose_ucce.xml", A, [
            error(A, "GENERAL_ERROR", "Generic Error", "20999", description=described("GENERAL_ERROR", PROSE),
                  request_id="conf-2")]),
        ("error_conference_invalid_state_uccx.xml", A, [
            error(A, "CF_INVALID_OBJECT_STATE", "Invalid State", "22", request_id="conf-3")]),
        ("error_ready_during_icd_call_uccx.xml", A, [
            error(A, "CF_INVALID_AGENT_WORKMODE", "Invalid State", "265", request_id="rdy-1")]),
        ("error_ready_during_non_icd_call_uccx.xml", A, [
            error(A, "CF_RESOURCE_BUSY", "Invalid State", "33", request_id="rdy-2")]),
    ]),
}

# Team notifications reach a subscribed supervisor ("sup" subscribed to team 1004 after
# a getteamusers answer that showed the members with their extensions).
TEAM_FLOW = [
    ("team_put_summary_user_not_ready.xml", [
        {"type": "TeamAgents", "users": [member("1001004", "Four", "1001004", "NOT_READY", label="Team Meeting")]}]),
    ("team_put_summary_user_talking_uccx.xml", [
        {"type": "TeamAgents", "users": [member("1001005", "Five", "1001005", "READY", when="2012-03-01 18:00:00")]}]),
    ("team_put_team_guide_sample.xml", [
        {"type": "TeamAgents", "users": [member("1001004", "Four", "1001004", "LOGOUT")]},
        {"type": "TeamAgents", "users": [member("1001005", "Five", "1001005", "NOT_READY", label="Team Meeting")]}]),
]

QUEUE_STATS = {"queueName": "Sales", "agentsNotReady": "2", "agentsReady": "1", "agentsTalkingInbound": "3",
               "agentsTalkingInternal": "5", "agentsTalkingOutbound": "4", "agentsWrapUpNotReady": "6",
               "agentsWrapUpReady": "7", "callsInQueue": "3", "startTimeOfLongestCallInQueue": "2012-02-15 17:58:21"}
