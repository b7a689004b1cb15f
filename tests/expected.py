"""The spec's events as expected values, shared by the acceptance suites.

Timestamps compare equal to any ``YYYY-MM-DD HH:MM:SS`` string (:data:`TIME`); every
other field is exact, so a test comparing whole events fails on any difference.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from gc_core.testing import event_obj


class _Time:
    """Equal to any 'YYYY-MM-DD HH:MM:SS' string (the spec's time format)."""
    _re = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

    def __eq__(self, other):
        return isinstance(other, str) and bool(self._re.match(other))

    def __repr__(self):
        return "<TIME>"


TIME = _Time()


def with_rid(event: Any, rid: Optional[str]) -> Any:
    if rid:
        event_obj(event)["requestId"] = rid
    return event


def state(agent, value: str, *, reason: str = "", label: str = "", pending: str = "",
          extension: Optional[str] = None, changed: bool = True, rid: Optional[str] = None) -> dict:
    """``agent``: anything with ``id``, ``full_name`` and ``ext``."""
    return with_rid({"type": "State", "agentId": agent.id, "state": value, "reasonCode": reason,
                     "stateChangeTimeString": "", "pendingState": pending,
                     "stateChangeTime": TIME if changed else "",
                     "fullName": agent.full_name, "extension": agent.ext if extension is None else extension,
                     "label": label}, rid)


def call_vars(ani: str, **values: str) -> list:
    """The spec's callVariables: callVariable1..10, then ani (the 11th entry in every
    sample of the spec), then the other variables in Finesse's order."""
    out = [{f"callVariable{i}": values.pop(f"callVariable{i}", "")} for i in range(1, 11)]
    return out + [{"ani": ani}] + [{k: v} for k, v in values.items()]


def party(address: str, value: str, *, agent: bool = True, cause: str = "") -> dict:
    return {"mediaAddress": address, "state": value, "addressType": "AGENT_DEVICE" if agent else "",
            "stateCause": cause, "stateChangeTime": TIME}


def customer(address: str, value: str = "ACTIVE") -> dict:
    return party(address, value, agent=False)


def inbound(agent, dialog_id: str, value: str, from_address: str, parties: list, call_type: str, *,
            prev: Optional[str] = None, variables: Optional[list] = None, rid: Optional[str] = None) -> dict:
    return with_rid({"type": "InboundCall", "dialogId": dialog_id, "state": value, "startTime": TIME,
                     "prevDialogId": prev, "fromAddress": from_address,
                     "callVariables": variables if variables is not None else call_vars(from_address),
                     "participantsCount": str(len(parties)), "participants": parties, "callType": call_type,
                     "agentId": agent.id}, rid)


def dropped(agent, dialog_id: str, *, prev: Optional[str] = None, rid: Optional[str] = None) -> dict:
    return with_rid({"type": "InboundCall", "dialogId": dialog_id, "prevDialogId": prev, "state": "DROPPED",
                     "agentId": agent.id}, rid)


def new_inbound(agent, dialog_id: str, from_address: str, call_type: str, *,
                variables: Optional[list] = None) -> dict:
    return {"type": "NewInboundCall", "dialogId": dialog_id, "fromAddress": from_address,
            "callVariables": variables if variables is not None else call_vars(from_address),
            "callType": call_type, "agentId": agent.id}


# The spec's error table (gc-json-api.txt, "Errors"): code -> (origin, description), word
# for word (a line break inside a cell is one space). tests/conformance/test_error_table.py
# checks it against the spec's text.
SPEC_ERRORS = {
    "CF_INVALID_CALLED_DEVICE": ("Finesse", "The called device is not valid"),
    "CF_INVALID_CALLING_DEVICE": ("Finesse", "The calling device is not valid"),
    "CF_INVALID_CONNECTION_ID_FOR_ACTIVE_CALL": ("Finesse", "The active connection ID in the request is invalid"),
    "CF_INVALID_CONSULT_TYPE": ("Finesse", "The consult type is invalid"),
    "CF_AGENT_ACCOUNT_LOCKED_OUT": ("Finesse", "The account is locked out"),
    "CF_INVALID_CSTA_DEVICE_IDENTIFIER": ("Finesse", "The device ID is not valid."),
    "CF_RESOURCE_BUSY": ("Finesse", "An internal resource is busy"),
    "CF_INVALID_LOGON_DEVICE_SPECIFIED": ("Finesse", "The request specified an invalid logon device."),
    "CF_GENERIC_UNSPECIFIED_REJECTION": ("Finesse", "The request has been rejected (no specific details available)."),
    "CF_INVALID_OBJECT_STATE": ("Finesse", "The object is in the incorrect state for the request."),
    "CF_INVALID_PASSWORD_SPECIFIED": ("Finesse", "The request specified an invalid agent password."),
    "CF_GENERIC_SYSTEM_RESOURCE_AVAILABILITY": (
        "Finesse", "The request failed due to lack of system resources (no specific details available)"),
    "E_CTI_INVALID_CALLID": ("Finesse", "A request message was received with an invalid CallID value."),
    "USER_NOT_FOUND": ("Finesse", "When Agent ID isn't found in Finesse"),
    "GENERAL_ERROR": ("Finesse", "when root cause is unclear"),
    "CF_GENERIC_OPERATION": ("Finesse", "An operation error occurred (no specific details available)."),
    "BAD_DESTINATION": ("Finesse", "Agent called to an invalid extension"),
    "DOWN": ("GC", "IOException When Requester gets no response from Finesse"),
    "LICENSES_EXCEEDED": ("GC", "User license limit exceeded"),
    "MISSING_EXTENSION": ("GC", "Missing Extension"),
    "MISSING_NUMBER": ("GC", "Number to dial is missing in request"),
    "MISSING_PASSWORD": ("GC", "Password is missing in request"),
    "MISSING_REASON_CODE": ("GC", "GC/Finesse expects reason-code that wasn't provided by the client"),
    "NO_DIALOG_ID": ("GC", "The requested dialog doesn't exists in GC"),
    "NOT_REACHABLE": ("GC", "SocketTimeoutException Timeout exception on connecting to Finesse via Requester"),
    "PLEASE_RETRY": ("GC", "invalid request params, IOException, request timeout"),
    "SUBSCRIPTION_FAILED": ("GC", "Invalid credentials supplied for agent login"),
    "UNABLE_TO_SUBSCRIBE_TO_FINESSE": ("GC", "Invalid credentials supplied for agent login"),
    "WRONG_EXTENSION": ("GC", "Extension is not valid (contains alphabetic characters)"),
    "SESSION_INVALIDATED": ("GC", "The current session session for login has been invalidate, user has been "
                                  "logged in from a new destination."),
}


def described(code: str, detail: str) -> str:
    """The errorDescription docs/protocol.md (Errors) promises for ``code`` with GC's
    ``detail`` (a sentence, from the command schema's x-gc-message or the situation):
    the spec's description, then the detail after a colon, or after a space when the
    description ends with a full stop; the detail ends with a full stop."""
    if code not in SPEC_ERRORS:
        return detail or code
    spec = SPEC_ERRORS[code][1]
    if not detail or detail.rstrip(".") == spec.rstrip("."):
        return spec
    if detail.startswith(spec):
        return detail
    if detail[-1] not in ".!?)":
        detail += "."
    if spec.endswith("."):
        return f"{spec} {detail}"
    return f"{spec}: {detail}"
