"""Every row of the specification's command tables (gc-json-api.txt: "Agent Commands",
"Supervisor Commands", "Admin Commands"), as data.

A :class:`Row` is one line of a table: its title, category and message type as the
spec writes them, the parameters in the spec's positional order, the situation it
needs (:data:`SCENARIOS`), the flavours it applies to, and what the "Expected Output"
column names: the events (type and the fields the spec says) the sender gets. Rows
whose Expected Output is empty ("Not implemented in client yet", no response) name
what GC answers and say so in ``note``. A row for a flavour it does not apply to
must be refused with an Error naming the command (the spec: "Only on UCCE").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from .harness import CUSTOMER, ENGAGEMENT, PASSWORD, Desk, World

BOTH = ("UCCE", "UCCX")


@dataclass
class Ctx:
    """What a scenario set up: the world, the team, the commanding desk, and the ids
    the row's parameters name (dialog, consult dialog, monitoring dialog, peers)."""
    world: World
    team: object
    desk: Desk
    dialog: str = ""
    consult: str = ""
    monitor: str = ""
    peer: Optional[Desk] = None          # a second agent of the team
    member: Optional[Desk] = None        # the team member a supervisor acts on
    opened: list = field(default_factory=list)

    @property
    def agent(self):
        return self.desk.agent


@dataclass(frozen=True)
class Row:
    title: str
    category: str
    type: str
    params: Callable[[Ctx], list]
    scenario: str
    answers: tuple                         # ((event type, fields-of-ctx), ...) the sender gets
    flavours: tuple = BOTH
    section: str = "Agent Commands"
    note: str = ""
    agent: Callable[[Ctx], str] = lambda c: c.agent.id   # the frame's <agent_login_Id>

    @property
    def id(self) -> str:
        return f"{self.section.split()[0].lower()}:{self.title}"


def no_params(_c) -> list:
    return []


def dialog(c) -> list:
    return [("dialogId", c.dialog)]


def _state(value):
    return lambda c: {"agentId": c.agent.id, "state": value}


def _me(c) -> dict:
    return {"agentId": c.agent.id}


def _call(state=None):
    def fields(c):
        out = {"agentId": c.agent.id, "dialogId": c.dialog}
        if state:
            out["state"] = state
        return out
    return fields


def _reasons(category):
    return lambda c: {"agentId": c.agent.id, "category": category}


# -- the Agent Commands table, in the spec's order ------------------------------------------------
AGENT_ROWS = [
    Row("Send Heartbeat while not logged in", "system", "Hello", lambda c: [("clientDestination", c.desk.destination)],
        "fresh", (("System", lambda c: {"status": "IN_SERVICE"}),), agent=lambda c: ""),
    Row("Send Heartbeat while logged in", "system", "Beat", lambda c: [("clientDestination", c.desk.destination)],
        "signed_in", (("System", lambda c: {"status": "IN_SERVICE"}),), agent=lambda c: ""),
    Row("Connect AgentID with Client Unique Name", "agent_info", "Connect",
        lambda c: [("clientDestination", c.desk.destination), ("password", PASSWORD)], "hello", (),
        note="No response"),
    Row("Agent Login", "agent_state", "Login", lambda c: [("password", PASSWORD), ("extension", c.agent.ext)],
        "connected", (("State", _state("NOT_READY")), ("AgentInfo", _me))),
    Row("Mobile Agent Login", "agent_state", "MobileAgentLogin",
        lambda c: [("password", PASSWORD), ("extension", c.agent.ext), ("phone", "5557001"),
                   ("connectionMode", "true")],
        "connected", (("State", _state("NOT_READY")), ("AgentInfo", _me)), flavours=("UCCE",)),
    Row("Agent Logout", "agent_state", "Logout", no_params, "signed_in", (("State", _state("LOGOUT")),)),
    Row("Make agent ready", "agent_state", "MakeReady", no_params, "signed_in", (("State", _state("READY")),)),
    Row("Make agent not ready", "agent_state", "MakeNotReady", no_params, "ready", (("State", _state("NOT_READY")),)),
    Row("Get agent current state", "agent_state", "GetState", no_params, "signed_in",
        (("State", _state("NOT_READY")),)),
    Row("Not Ready with reason code", "agent_state", "MakeNotReadyWithReason", lambda c: [("reasonCode", "8")],
        "ready", (("State", lambda c: {"agentId": c.agent.id, "state": "NOT_READY", "reasonCode": "8",
                                       "label": "Break"}),)),
    Row("Make a call", "agent_call", "MakeCall", lambda c: [("number", CUSTOMER)], "signed_in",
        (("InboundCall", lambda c: {"agentId": c.agent.id}),)),
    Row("Answer a call", "agent_call", "AnswerCall", dialog, "ringing", (("InboundCall", _call("ACTIVE")),)),
    Row("Hold a call", "agent_call", "HoldCall", dialog, "talking", (("InboundCall", _call("HELD")),)),
    Row("Unhold a call", "agent_call", "RetrieveCall", dialog, "held", (("InboundCall", _call("ACTIVE")),)),
    Row("Release a call", "agent_call", "ReleaseCall", dialog, "talking", (("InboundCall", _call("DROPPED")),)),
    Row("Get Agent Wrap-up Reason Codes", "agent_work", "wrapupreasoncode", no_params, "signed_in",
        (("ReasonCodes", _reasons("WrapUp")),)),
    Row("Get Agent Logout Reason Codes", "agent_state", "reasoncodelogout", no_params, "signed_in",
        (("ReasonCodes", _reasons("LOGOUT")),)),
    Row("Get Agent Not Ready Reason Codes", "agent_state", "reasoncodenotready", no_params, "signed_in",
        (("ReasonCodes", _reasons("NOT_READY")),)),
    Row("Blind Transfer", "agent_call", "Transfer_sst", lambda c: [("number", c.peer.agent.ext), ("dialogId", c.dialog)],
        "talking_with_peer", (("InboundCall", _call("DROPPED")),), flavours=("UCCE",),
        note="Used only in UCCE (no Expected Output: the call leaves the agent)"),
    Row("Transfer Initiation", "agent_call", "ConsultCall",
        lambda c: [("number", c.peer.agent.ext), ("dialogId", c.dialog)], "talking_with_peer",
        (("ConsultCall", lambda c: {"agentId": c.agent.id, "toAddress": c.peer.agent.ext}),)),
    Row("Conference Inititation", "agent_call", "ConsultCall",
        lambda c: [("number", c.peer.agent.ext), ("dialogId", c.dialog)], "talking_with_peer",
        (("ConsultCall", lambda c: {"agentId": c.agent.id, "toAddress": c.peer.agent.ext}),)),
    Row("Complete Transfer", "agent_call", "TransferCall", lambda c: [("extension", c.agent.ext), ("dialogId", c.dialog)],
        "consulted", (("InboundCall", lambda c: {"agentId": c.agent.id}),)),
    Row("Complete Conference", "agent_call", "Conferencecall",
        lambda c: [("extension", c.agent.ext), ("dialogId", c.dialog)], "consulted",
        (("InboundCall", lambda c: {"agentId": c.agent.id, "state": "ACTIVE"}),)),
    Row("Get Dialog State", "agent_dialog", "getdialogstate", dialog, "talking",
        (("DialogState", _call("ACTIVE")),)),
    Row("Update Dialog Wrap-up Codes", "agent_dialog", "wrapup", lambda c: [("wrapupReason", "Complaint"),
                                                                            ("dialogId", c.dialog)],
        "talking", (), note="No response is received when this event is called (no Error either)"),
    Row("Logout with Reason", "agent_state", "logoutwithreason", lambda c: [("reasonCode", "21")], "signed_in",
        (("State", lambda c: {"agentId": c.agent.id, "state": "LOGOUT", "reasonCode": "21"}),)),
    Row("Abrupt Agent Disconnection", "agent_state", "force_logout", no_params, "ready",
        (("State", _state("LOGOUT")),)),
    Row("Get Dialog State Controls", "agent_dialog", "getdialogstatecontrols", dialog, "talking",
        (("DialogState", _call("ACTIVE")),), note="Not implemented in client yet: DialogState with controls"),
    Row("Make Work Not Ready", "agent_state", "makeworknotready", no_params, "signed_in",
        (("State", _state("WORK")),), note="Not implemented in client yet: the State"),
    Row("Make Work Ready", "agent_state", "makeworkready", no_params, "signed_in",
        (("State", _state("WORK_READY")),), flavours=("UCCE",), note="Not implemented in client yet: the State"),
    Row("Get Dialog Participants", "agent_call", "getDialogParticipants", dialog, "talking",
        (("InboundCall", _call("ACTIVE")),), note="Deprecated: the InboundCall with its participants"),
    Row("Get Logged in Agents", "agent_call", "getallagents", no_params, "signed_in", (("Agents", None),)),
    Row("Update Dialog Variable", "agent_call", "update_call_variable",
        lambda c: [("dialogId", c.dialog), ("name", "callVariable1"), ("value", "conformance")], "talking",
        (("InboundCall", _call("ACTIVE")),), note="Not implemented in client yet: the InboundCall"),
    Row("Pause Zoom Call Recording", "zoom", "ZOOMPauseRecording", no_params, "zoom_recording",
        (("ZoomRecording", lambda c: {"agentId": c.agent.id, "recording": "PAUSED"}),), note="no Expected Output"),
    Row("Resume Zoom Call Recording", "zoom", "ZOOMResumeRecording", no_params, "zoom_paused",
        (("ZoomRecording", lambda c: {"agentId": c.agent.id, "recording": "RECORDING"}),), note="no Expected Output"),
    Row("Refresh", "agent_state", "refresh", no_params, "signed_in", (("State", _state("NOT_READY")),),
        note="no Expected Output: the State (and each live call)"),
    Row("Get Team and Global Phonebooks", "phonebook", "GetPhonebooks", no_params, "signed_in", (("PhoneBook", None),)),
    Row("Get Team Phonebooks", "team_phonebooks", "GetTeamPhonebooks", lambda c: [("teamId", c.team.id)], "signed_in",
        (("TeamPhoneBook", None),)),
    Row("Get Contacts of a Phonebook", "contacts", "GetPhonebookContacts", lambda c: [("phonebookId", c.team.id)],
        "signed_in", (("phoneBookContacts", None),)),
    Row("Accept Outbound Preview Call", "agent_call", "AcceptOutboundPreview",
        lambda c: [("dialogId", c.dialog), ("action", "ACCEPT")], "reserved", (("InboundCall", _call()),)),
    Row("Reject Outbound Preview Call", "agent_call", "RejectOutboundPreview",
        lambda c: [("dialogId", c.dialog), ("action", "REJECT")], "reserved", (("InboundCall", _call("DROPPED")),)),
    Row("Close Outbound Preview Call", "agent_call", "CloseOutboundPreview",
        lambda c: [("dialogId", c.dialog), ("action", "CLOSE")], "reserved", (("InboundCall", _call("DROPPED")),),
        flavours=("UCCE",), note="Outbound Preview (UCCE): UCCX Direct Preview has no CLOSE"),
    Row("Schedule a callback call", "agent_call", "SHCEDULECALLBACK",
        lambda c: [("targetMediaAddress", c.agent.ext), ("dialogId", c.dialog), ("callbackTime", "2030-01-02 10:30"),
                   ("callbackNumber", "5550111")], "reserved", (("InboundCall", _call()),)),
    Row("Update a callback call", "agent_call", "UPDATECALLBACK",
        lambda c: [("targetMediaAddress", c.agent.ext), ("dialogId", c.dialog), ("callbackTime", "2030-01-03 11:45"),
                   ("callbackNumber", "5550112")], "reserved", (("InboundCall", _call()),)),
    Row("Cancel the scheduled callback call", "agent_call", "CANCELSHCEDULECALLBACK",
        lambda c: [("targetMediaAddress", c.agent.ext), ("dialogId", c.dialog)], "callback_scheduled",
        (("InboundCall", _call()),)),
    Row("Reclassify an outbound direct preview call", "agent_call", "RECLASSIFYCALL",
        lambda c: [("targetMediaAddress", c.agent.ext), ("dialogId", c.dialog), ("value", "VOICE")],
        "preview_talking", (("InboundCall", _call("ACTIVE")),)),
    # the spec writes <REJECT> as the second parameter of both personal callback rows:
    # the command decides (docs/protocol.md, Decisions), so the first one accepts
    Row("Accept the personal callback", "agent_call", "AcceptOutboundPreview",
        lambda c: [("dialogId", c.dialog), ("action", "REJECT")], "callback_reserved",
        (("InboundCall", lambda c: {"agentId": c.agent.id, "dialogId": c.dialog, "state": "INITIATED"}),)),
    Row("Reject the personal callback Call", "agent_call", "RejectOutboundPreview",
        lambda c: [("dialogId", c.dialog), ("action", "REJECT")], "callback_reserved",
        (("InboundCall", _call("DROPPED")),)),
]

SUPERVISOR_ROWS = [
    Row("Get Queue Info", "supervisor_queue_info", "getqueuelist", no_params, "supervisor", (("QueueStats", None),),
        section="Supervisor Commands"),
    Row("Silent Monitor (Supervisor Function)", "supervisor_dialog", "silentmonitor",
        lambda c: [("agentExtension", c.member.agent.ext)], "supervising",
        (("InboundCall", lambda c: {"agentId": c.agent.id, "prevDialogId": c.dialog}),),
        section="Supervisor Commands", note="On Agent: New Inbound Call, Inbound Call (checked too)"),
    Row("End Silent Monitor (Supervisor Function)", "supervisor_dialog", "endsilentmonitor",
        lambda c: [("dialogId", c.monitor)], "monitoring",
        (("InboundCall", lambda c: {"agentId": c.agent.id, "dialogId": c.monitor, "state": "DROPPED"}),),
        section="Supervisor Commands"),
    Row("Drop Participant (Supervisor Function)", "supervisor_dialog", "dropparticipant",
        lambda c: [("agentExtension", c.member.agent.ext), ("dialogId", c.dialog)], "barged",
        (("InboundCall", lambda c: {"agentId": c.agent.id}),), flavours=("UCCE",), section="Supervisor Commands"),
    Row("Get Team Users (Supervisor Function)", "supervisor_team", "getteamusers",
        lambda c: [("teamId", c.team.id), ("subscribe", "true")], "supervisor", (("TeamAgents", None),),
        section="Supervisor Commands"),
    Row("Get Team Users State (Supervisor Function)", "supervisor_team_member_state", "getteamuserstate",
        lambda c: [("teamAgentLoginId", c.member.agent.id)], "supervising",
        (("State", lambda c: {"agentId": c.member.agent.id, "state": "TALKING"}),),
        section="Supervisor Commands", note="Not implemented in client yet: the member's State"),
    Row("Make a Barge Call", "agent_call", "bargein",
        lambda c: [("teamAgentLoginId", c.member.agent.id), ("dialogId", c.dialog)], "supervising",
        (("InboundCall", lambda c: {"agentId": c.agent.id}),), section="Supervisor Commands"),
    Row("Agent Logout", "agent_state", "Logout", no_params, "supervisor_member_not_ready",
        (("State", lambda c: {"agentId": c.member.agent.id, "state": "LOGOUT"}),),
        section="Supervisor Commands", agent=lambda c: c.member.agent.id),
    Row("Make agent not ready", "agent_state", "MakeNotReady", no_params, "supervisor_member_ready",
        (("State", lambda c: {"agentId": c.member.agent.id, "state": "NOT_READY"}),),
        section="Supervisor Commands", agent=lambda c: c.member.agent.id),
]

ADMIN_ROWS = [
    Row("Get Team and Global Phonebooks", "phonebook", "GetPhonebooks", no_params, "supervisor",
        (("PhoneBook", None),), section="Admin Commands"),
    Row("Get Contacts of a Phonebook", "contacts", "GetPhonebookContacts", lambda c: [("phonebookId", c.team.id)],
        "supervisor", (("phoneBookContacts", None),), section="Admin Commands"),
    Row("Get Team Phonebooks", "phonebook", "GetTeamPhonebooks", lambda c: [("teamId", c.team.id)], "supervisor",
        (("TeamPhoneBook", None),), section="Admin Commands"),
]

ROWS = AGENT_ROWS + SUPERVISOR_ROWS + ADMIN_ROWS


# -- the situations the rows need ------------------------------------------------------------------
def _desk(c: Ctx, agent, form=None) -> Desk:
    d = Desk(c.world, agent, form or c.desk.form)
    c.opened.append(d)
    return d


def _ring(c: Ctx) -> None:
    c.dialog = c.world.ring(c.team)
    c.desk.expect("InboundCall", "*", dialogId=c.dialog, state="ALERTING")


def _answer(c: Ctx, desk: Optional[Desk] = None, dialog_id: Optional[str] = None) -> None:
    desk, dialog_id = desk or c.desk, dialog_id or c.dialog
    rid = desk.ask("AnswerCall", [("dialogId", dialog_id)])
    # UCCX: a consult (non-ICD) call leaves the consulted agent's state as it was
    # (Finesse guide 12.5(1), User - Change Agent State): the answer is the call event
    desk.expect("InboundCall", rid, dialogId=dialog_id, state="ACTIVE")


def s_fresh(c):
    pass


def s_hello(c):
    c.desk.client.send({"type": "Hello", "params": {"clientDestination": c.desk.destination}})
    c.desk.expect("System")


def s_connected(c):
    c.desk.connect()


def s_signed_in(c):
    c.desk.login()


def s_ready(c):
    c.desk.login(ready=True)


def s_ringing(c):
    s_ready(c)
    _ring(c)
    c.desk.settle()


def s_talking(c):
    s_ready(c)
    _ring(c)
    _answer(c)
    c.desk.settle()


def s_held(c):
    s_talking(c)
    rid = c.desk.ask("HoldCall", [("dialogId", c.dialog)])
    c.desk.expect("InboundCall", rid, state="HELD")
    c.desk.settle()


def s_talking_with_peer(c):
    """The agent talking to a customer; a second agent of the team READY (signed in
    after the call was routed, so the call rang at the first)."""
    s_talking(c)
    c.peer = _desk(c, c.team.agents[1])
    c.peer.login(ready=True)


def s_consulted(c):
    """The agent consulted its peer (the original call held), the peer answered."""
    s_talking_with_peer(c)
    rid = c.desk.ask("ConsultCall", [("number", c.peer.agent.ext), ("dialogId", c.dialog)])
    c.consult = c.desk.expect("ConsultCall", rid)["assDialogId"]
    c.peer.expect("InboundCall", "*", dialogId=c.consult, state="ALERTING")
    _answer(c, c.peer, c.consult)
    c.desk.expect("InboundCall", "*", dialogId=c.consult, state="ACTIVE")
    c.desk.settle()


def s_reserved(c, kind=None):
    s_ready(c)
    c.dialog = c.world.preview(c.agent, kind or c.world.preview_kind())
    c.desk.expect("State", "*", state="RESERVED_OUTBOUND_PREVIEW")
    c.desk.settle()


def s_callback_reserved(c):
    s_reserved(c, "OUTBOUND_CALLBACK_PREVIEW")


def s_callback_scheduled(c):
    s_reserved(c)
    rid = c.desk.ask("SHCEDULECALLBACK", [("targetMediaAddress", c.agent.ext), ("dialogId", c.dialog),
                                          ("callbackTime", "2030-01-02 10:30"), ("callbackNumber", "")])
    c.desk.expect("InboundCall", rid)
    c.desk.settle()


def s_preview_talking(c):
    s_reserved(c)
    rid = c.desk.ask("AcceptOutboundPreview", [("dialogId", c.dialog)])
    c.desk.expect("State", rid, state="TALKING")
    c.world.customer_answers(c.dialog)
    c.desk.expect("InboundCall", "*", dialogId=c.dialog, state="ACTIVE")
    c.desk.settle()


def s_zoom_recording(c):
    c.world.zoom.engagements[ENGAGEMENT] = "recording"
    s_signed_in(c)


def s_zoom_paused(c):
    c.world.zoom.engagements[ENGAGEMENT] = "paused"
    s_signed_in(c)


def _as_supervisor(c):
    """The row's desk becomes the team's supervisor's, signed in."""
    c.desk = _replace_desk(c, c.team.supervisor)
    c.desk.login()


def _replace_desk(c, agent) -> Desk:
    old = c.desk
    d = Desk(c.world, agent, old.form)
    c.opened.append(old)
    return d


def s_supervisor(c):
    _as_supervisor(c)


def s_supervising(c):
    """The supervisor signed in; a member of its team talking on a customer call."""
    c.member = _desk(c, c.team.agents[0])
    c.member.login(ready=True)
    c.dialog = c.world.ring(c.team)
    c.member.expect("InboundCall", "*", dialogId=c.dialog, state="ALERTING")
    _answer(c, c.member)
    _as_supervisor(c)
    c.member.settle()


def s_monitoring(c):
    s_supervising(c)
    rid = c.desk.ask("silentmonitor", [("agentExtension", c.member.agent.ext)])
    c.monitor = c.desk.expect("InboundCall", rid, state="ACTIVE")["dialogId"]
    c.desk.settle()
    c.member.settle()


def s_barged(c):
    s_monitoring(c)
    rid = c.desk.ask("bargein", [("teamAgentLoginId", c.member.agent.id), ("dialogId", c.monitor)])
    c.desk.expect("InboundCall", rid)
    c.desk.settle()


def s_supervisor_member_not_ready(c):
    c.member = _desk(c, c.team.agents[0])
    c.member.login()
    _as_supervisor(c)


def s_supervisor_member_ready(c):
    c.member = _desk(c, c.team.agents[0])
    c.member.login(ready=True)
    _as_supervisor(c)


SCENARIOS = {name[2:]: fn for name, fn in globals().items() if name.startswith("s_")}
