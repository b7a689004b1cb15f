"""What UCCE and UCCX Finesse can do (reference section 9), in one place.

The capabilities tell the core's router which commands to offer (a UCCX deployment
does not offer ``Transfer_sst``); the action and state sets let the backend refuse
an unsupported request *before* it reaches Finesse, with an error that says what
and why, instead of passing a raw 501 through. The split is the sim's
(``gc_sim.backend.FLAVOUR_CAPS``), so a client sees the same commands whichever
backend serves it.
"""
from __future__ import annotations

from typing import Optional

from gc_core import backend as b
from gc_core.errors import ORIGIN_GC, BackendError

UCCE, UCCX = "UCCE", "UCCX"

COMMON_CAPS = {b.CAP_SUPERVISOR, b.CAP_QUEUE_STATS, b.CAP_PHONEBOOKS, b.CAP_CALLBACKS}
FLAVOUR_CAPS = {
    UCCE: frozenset(COMMON_CAPS | {b.CAP_MOBILE_AGENT, b.CAP_WORK_READY, b.CAP_TRANSFER_SST,
                                   b.CAP_PARTICIPANT_DROP, b.CAP_OUTBOUND_PREVIEW,
                                   b.CAP_CALL_VARIABLES_ON_MAKE_CALL}),
    UCCX: frozenset(COMMON_CAPS | {b.CAP_START_RECORDING, b.CAP_DIRECT_PREVIEW}),
}

DIALOG_ACTIONS = frozenset({
    "ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "TRANSFER_SST", "CONFERENCE",
    "SEND_DTMF", "PARTICIPANT_DROP", "START_RECORDING", "ACCEPT", "REJECT", "CLOSE", "RECLASSIFY",
    "UPDATE_SCHEDULED_CALLBACK", "CANCEL_SCHEDULED_CALLBACK", "UPDATE_CALL_DATA",
})
# Actions only one platform implements (the other answers 501 Not Implemented).
ONLY_ON = {
    "TRANSFER_SST": UCCE, "PARTICIPANT_DROP": UCCE, "ACCEPT": UCCE, "REJECT": UCCE, "CLOSE": UCCE,
    "START_RECORDING": UCCX,
}
WHY = {
    "TRANSFER_SST": "single-step transfer is UCCE only",
    "PARTICIPANT_DROP": "dropping a conference participant is UCCE only",
    "ACCEPT": "outbound preview actions are UCCE only (UCCX direct preview: ANSWER / DROP)",
    "REJECT": "outbound preview actions are UCCE only (UCCX direct preview: ANSWER / DROP)",
    "CLOSE": "outbound preview actions are UCCE only (UCCX direct preview: ANSWER / DROP)",
    "START_RECORDING": "START_RECORDING is UCCX only",
}
USER_STATES = {
    UCCE: frozenset({"LOGIN", "READY", "NOT_READY", "LOGOUT", "WORK", "WORK_READY"}),
    UCCX: frozenset({"LOGIN", "READY", "NOT_READY", "LOGOUT", "WORK"}),
}


def unsupported(flavour: str, what: str, why: str) -> BackendError:
    # The spec's code for a platform refusal (what Finesse's 501 maps to), with GC
    # as origin: GC refused it, nothing was sent to Finesse.
    return BackendError("CF_GENERIC_UNSPECIFIED_REJECTION",
                        f"{what} is not supported on {flavour}: {why}", origin=ORIGIN_GC)


def check_action(flavour: str, action: str) -> None:
    action = action.upper()
    if action not in DIALOG_ACTIONS:
        raise BackendError("PLEASE_RETRY", f"unknown dialog action {action}", origin=ORIGIN_GC)
    only = ONLY_ON.get(action)
    if only and only != flavour:
        raise unsupported(flavour, action, WHY[action])


def check_state(flavour: str, state: str, *, mobile: bool = False) -> None:
    if state not in USER_STATES[flavour]:
        if state == "WORK_READY":
            raise unsupported(flavour, "WORK_READY", "UCCX has no work-ready state")
        raise BackendError("PLEASE_RETRY", f"unknown agent state {state}", origin=ORIGIN_GC)
    if mobile and flavour != UCCE:
        raise unsupported(flavour, "Mobile agent sign-in", "mobile agents are UCCE only")


def check_make_call(flavour: str, call_variables: Optional[dict]) -> None:
    if call_variables and flavour != UCCE:
        raise unsupported(flavour, "MAKE_CALL with call variables", "Finesse accepts them on UCCE only")
