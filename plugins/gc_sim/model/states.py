"""Agent-state rules of the simulated ACD (reference section 9), as pure functions.

The contact center derives an agent's *busy* state from its calls
(:func:`busy_state`) and decides where the agent goes when its last call ends
(:func:`after_call_state`). Requested transitions are checked by
:func:`check_request` which answers what should happen, without side effects.
"""
from __future__ import annotations

from typing import Iterable, Optional

from gc_core.domain import FLAVOUR_UCCE, FLAVOUR_UCCX, ReasonCode

LOGOUT, NOT_READY, READY = "LOGOUT", "NOT_READY", "READY"
RESERVED, RESERVED_OUTBOUND, RESERVED_OUTBOUND_PREVIEW = "RESERVED", "RESERVED_OUTBOUND", "RESERVED_OUTBOUND_PREVIEW"
TALKING, HOLD, WORK, WORK_READY = "TALKING", "HOLD", "WORK", "WORK_READY"

BUSY_STATES = frozenset({RESERVED, RESERVED_OUTBOUND, RESERVED_OUTBOUND_PREVIEW, TALKING, HOLD})
WRAP_STATES = frozenset({WORK, WORK_READY})
IDLE_STATES = frozenset({NOT_READY, READY, WORK, WORK_READY})
REQUESTABLE = ("LOGIN", READY, NOT_READY, LOGOUT, WORK, WORK_READY)

# Wrap-up kinds of a call for an agent: what the agent's settings are looked up by.
KIND_IN, KIND_OUT, KIND_INTERNAL = "in", "out", "internal"

# System reason codes (not selectable by agents).
LOGIN_REASON_ID = "-1"
FORCED_LOGOUT_REASON_ID = "255"


def login_reason() -> ReasonCode:
    """``reasonCodeId`` -1 right after LOGIN (reference section 2)."""
    return ReasonCode(id=LOGIN_REASON_ID, label="", category=NOT_READY, code=LOGIN_REASON_ID, for_all=True)


def supervisor_reason(flavour: str, category: str) -> ReasonCode:
    """The code a supervisor-forced change carries: 999 on UCCE, 33 on UCCX."""
    code = "999" if flavour == FLAVOUR_UCCE else "33"
    return ReasonCode(id=code, label="Supervisor Initiated", category=category, code=code, for_all=True)


def forced_logout_reason() -> ReasonCode:
    return ReasonCode(id=FORCED_LOGOUT_REASON_ID, label="Forced Logout", category=LOGOUT,
                      code=FORCED_LOGOUT_REASON_ID, for_all=True)


def wrap_mode(kind: str, wrap_in: str, wrap_out: str) -> str:
    """The wrap-up setting that applies to a call of ``kind``; internal calls
    (agent to agent, consults, monitoring) never force wrap-up."""
    if kind == KIND_IN:
        return wrap_in
    if kind == KIND_OUT:
        return wrap_out
    return "OPTIONAL"


def is_required(mode: str) -> bool:
    return mode.startswith("REQUIRED")


def after_call_state(flavour: str, base_state: str, pending: str, kinds: Iterable[str],
                     wrap_in: str, wrap_out: str) -> str:
    """Where an agent goes when the last call of a busy period ends.

    ``base_state``: the state before the call (NOT_READY, READY, WORK, WORK_READY);
    ``pending``: the UCCE pendingState requested during the call ("" if none);
    ``kinds``: the kinds of the calls the agent was *connected* to in this period.

    * a pending WORK / WORK_READY wins (it was checked against the settings when asked);
    * a call whose setting is REQUIRED puts the agent in wrap-up: UCCX ``WORK``; UCCE
      ``WORK_READY`` when the agent is heading for READY (pending READY, or no pending
      and READY / WORK_READY before the call), else ``WORK``;
    * otherwise the pending READY / NOT_READY, else the state before the call.
    """
    if pending in WRAP_STATES:
        return pending
    if any(is_required(wrap_mode(k, wrap_in, wrap_out)) for k in kinds):
        if flavour == FLAVOUR_UCCX:
            return WORK
        heading_ready = pending == READY or (not pending and base_state in (READY, WORK_READY))
        return WORK_READY if heading_ready else WORK
    if pending in (READY, NOT_READY):
        return pending
    return base_state


def wrap_up_allowed(kinds: Iterable[str], wrap_in: str, wrap_out: str) -> bool:
    """May the agent ask for WORK / WORK_READY during these calls? Not when every
    call's setting is NOT_ALLOWED (then Finesse answers CF_INVALID_AGENT_WORKMODE)."""
    kinds = list(kinds)
    if not kinds:
        return True
    return any(wrap_mode(k, wrap_in, wrap_out) != "NOT_ALLOWED" for k in kinds)


def logout_allowed_from(flavour: str, state: str) -> bool:
    """LOGOUT: UCCE only from NOT_READY; UCCX also from READY (reference section 9)."""
    if flavour == FLAVOUR_UCCX:
        return state in (NOT_READY, READY)
    return state == NOT_READY


def idle_transition_allowed(flavour: str, current: str, requested: str) -> bool:
    """READY / NOT_READY / WORK / WORK_READY requested by the agent in an idle state."""
    if requested == WORK_READY and flavour != FLAVOUR_UCCE:
        return False
    return current in IDLE_STATES and requested in IDLE_STATES


def busy_state(flavour: str, party_states: Iterable[tuple[str, bool, Optional[str]]]) -> Optional[str]:
    """The busy state implied by an agent's live, state-bearing call legs.

    ``party_states``: (participant state, reserving, reservation kind) per leg, where
    ``reserving`` marks a ringing leg that reserves the agent (an ACD-routed call or an
    outbound reservation) and ``reservation kind`` is set for an outbound preview
    reservation. Answers TALKING if any leg is ACTIVE / INITIATING / INITIATED; HOLD
    (UCCE; TALKING on UCCX) if every leg is HELD; RESERVED (or
    RESERVED_OUTBOUND_PREVIEW) for a reserving ringing leg; None when the legs do not
    make the agent busy (no legs, or only a ringing internal call)."""
    legs = list(party_states)
    if not legs:
        return None
    if any(s in ("ACTIVE", "INITIATING", "INITIATED") for s, _, _ in legs):
        return TALKING
    if all(s == "HELD" for s, _, _ in legs):
        return HOLD if flavour == FLAVOUR_UCCE else TALKING
    held = any(s == "HELD" for s, _, _ in legs)
    for s, reserving, reservation in legs:
        if s == "ALERTING" and reserving:
            if held:
                return HOLD if flavour == FLAVOUR_UCCE else TALKING
            return RESERVED_OUTBOUND_PREVIEW if reservation else RESERVED
    if held:
        return HOLD if flavour == FLAVOUR_UCCE else TALKING
    return None
