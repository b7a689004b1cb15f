"""Builders of the spec's JSON events from domain objects (gc-json-api.txt, "GC Events").

These are the product's output format, so they live in the core and every plugin
uses them: the field names, their order and their string formats match the spec's
sample outputs. ``requestId`` is added by the caller when a request caused the event.
"""
from __future__ import annotations

import datetime as _dt
from typing import Optional

from .domain import CALL_VARIABLE_NAMES, Dialog, Participant, TeamMember, User
from .errors import GCError

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_local_tz: Optional[_dt.tzinfo] = _dt.timezone.utc


def set_timezone(name: str) -> None:
    """``UTC`` (default) or ``local``: the zone of every event timestamp."""
    global _local_tz
    _local_tz = None if name.lower() == "local" else _dt.timezone.utc


def fmt_time(value: Optional[_dt.datetime]) -> str:
    if value is None:
        return ""
    return value.astimezone(_local_tz).strftime(TIME_FORMAT)


def system(status: str) -> dict:
    return {"type": "System", "status": status}


# The agent states that carry a reason code (Finesse: reasonCodeId is meaningful for
# NOT_READY and LOGOUT only; a User read in TALKING may still name the last one).
REASON_CODE_STATES = ("NOT_READY", "LOGOUT")


def state(user: User, agent_id: str, *, state_override: Optional[str] = None) -> dict:
    """The spec's State. ``reasonCode``/``label`` only in NOT_READY and LOGOUT, so a REST
    answer and a notification for the same state say the same."""
    value = state_override or user.state
    rc = user.reason_code if value in REASON_CODE_STATES else None
    return {
        "type": "State",
        "agentId": agent_id,
        "state": value,
        "reasonCode": rc.id if rc and rc.id not in ("-1", "") else "",
        "stateChangeTimeString": "",
        "pendingState": user.pending_state or "",
        "stateChangeTime": fmt_time(user.state_change_time),
        "fullName": user.full_name,
        "extension": user.extension or "",
        "label": rc.label if rc else "",
    }


def agent_info(user: User, agent_id: str) -> dict:
    teams = [{"id": t.id, "name": t.name} for t in user.teams] if user.is_supervisor else []
    return {
        "type": "AgentInfo",
        "firstName": user.first_name,
        "lastName": user.last_name,
        "supervisor": user.is_supervisor,
        "wrapUpOnIncoming": user.wrap_up_on_incoming or "",
        "totalNumberOfTeams": str(len(teams)) if user.is_supervisor else "",
        "teams": teams,
        "team": {"id": user.team.id, "name": user.team.name} if user.team else None,
        "agentId": agent_id,
    }


def call_variables(dialog: Dialog) -> list:
    """callVariable1..10 (always, "" when unset), then ``ani`` (the 11th entry, as in the
    spec's samples), then every other variable in Finesse's order: ECC ``user.x`` and
    arrays ``user.x[0]``, outbound ``BA*``, CVP's ``user.microapp.*`` ... A variable
    Finesse sends as ``ani`` does not displace the caller's number."""
    out = [{name: dialog.call_variables.get(name, "")} for name in CALL_VARIABLE_NAMES]
    out.append({"ani": dialog.from_address})
    out += [{k: v} for k, v in dialog.call_variables.items() if k not in CALL_VARIABLE_NAMES and k != "ani"]
    return out


def participant(p: Participant) -> dict:
    return {
        "mediaAddress": p.media_address,
        "state": p.state,
        "addressType": p.media_address_type or "",
        "stateCause": p.state_cause or "",
        "stateChangeTime": fmt_time(p.state_change_time),
    }


def party_state(dialog: Dialog, extension: str) -> str:
    """The call's state as this agent sees it: its own participant's state (HELD when it
    holds the call, as the spec's "Complete Transfer" sample shows), else the dialog's."""
    me = dialog.participant(extension) if extension else None
    return me.state if me else dialog.state


def inbound_call(dialog: Dialog, agent_id: str, extension: str) -> dict:
    return {
        "type": "InboundCall",
        "dialogId": dialog.id,
        "state": party_state(dialog, extension),
        "startTime": fmt_time(dialog.start_time),
        "prevDialogId": dialog.previous_dialog_id,
        "fromAddress": dialog.from_address,
        "callVariables": call_variables(dialog),
        "participantsCount": str(len(dialog.participants)),
        "participants": [participant(p) for p in dialog.participants],
        "callType": dialog.call_type or "",
        "agentId": agent_id,
    }


def dropped_call(dialog: Dialog, agent_id: str, state: str = "DROPPED") -> dict:
    return {
        "type": "InboundCall",
        "dialogId": dialog.id,
        "prevDialogId": dialog.previous_dialog_id,
        "state": state,
        "agentId": agent_id,
    }


def new_inbound_call(dialog: Dialog, agent_id: str) -> dict:
    return {
        "type": "NewInboundCall",
        "dialogId": dialog.id,
        "fromAddress": dialog.from_address,
        "callVariables": call_variables(dialog),
        "callType": dialog.call_type or "",
        "agentId": agent_id,
    }


def consult_call(dialog: Dialog, agent_id: str) -> dict:
    return {
        "type": "ConsultCall",
        "state": dialog.state,
        "assDialogId": dialog.id,
        "fromAddress": dialog.from_address,
        "toAddress": dialog.to_address,
        "startTime": fmt_time(dialog.start_time),
        "callVariables": call_variables(dialog),
        "participants": [participant(p) for p in dialog.participants],
        "callType": dialog.call_type or "",
        "agentId": agent_id,
    }


def dialog_state(dialog_id: str, state_name: str, agent_id: str, controls: Optional[list] = None) -> dict:
    out = {"type": "DialogState", "dialogId": dialog_id, "state": state_name, "agentId": agent_id}
    if controls is not None:
        out["controls"] = list(controls)
    return out


def reason_codes(category: str, codes: list, agent_id: str) -> dict:
    """``codes``: (id, label) pairs."""
    return {"type": "ReasonCodes", "category": category,
            "reasonCodes": [{str(i): label} for i, label in codes], "agentId": agent_id}


def agents(users: list) -> list:
    return [{"type": "Agents", "users": [
        {"firstName": u.first_name, "lastName": u.last_name, "extension": u.extension} for u in users]}]


def team_member(m: TeamMember) -> dict:
    rc = m.reason_code if m.state in REASON_CODE_STATES else None
    return {
        "firstName": m.first_name or "", "lastName": m.last_name or "", "extension": m.extension or "",
        "loginId": m.login_id, "state": m.state, "pendingState": m.pending_state or "",
        "mediaType": m.media_type or "", "stateChangeTime": fmt_time(m.state_change_time),
        "label": rc.label if rc else "",
    }


def team_agents(members: list) -> list:
    return [{"type": "TeamAgents", "users": [team_member(m) for m in members]}]


def error(err: GCError, *, agent_id: Optional[str] = None, request: Optional[dict] = None,
          request_id: Optional[str] = None) -> dict:
    out = {"type": "Error"}
    if agent_id:
        out["agentId"] = agent_id
    out.update(errorCode=err.code, errorOrigin=err.origin, errorDescription=err.description)
    if request:
        out["request"] = request
    for key in ("finesseErrorType", "finesseErrorData", "httpStatus"):
        if err.details.get(key) not in (None, ""):
            out[key] = err.details[key]
    if request_id:
        out["requestId"] = request_id
    return out


def with_request_id(event, request_id: Optional[str]):
    """Stamp ``requestId`` on an event (inside the object of an array event)."""
    if request_id:
        target = event[0] if isinstance(event, list) else event
        target["requestId"] = request_id
    return event
