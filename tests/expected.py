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
