"""CTI refusals injected on purpose: the Finesse codes of the spec's error table that
no situation of the model produces by itself.

The spec lists seven CTI codes (and CF_GENERIC_UNSPECIFIED_REJECTION, which Finesse
also sends as a 501 for what a platform does not do, which GC's flavour checks never
let reach it) that Finesse passes on from the CTI server in situations the model does
not simulate (a phone that is not a valid calling device,
a peripheral short of resources, a call id the CTI server no longer knows ...).
:meth:`Faults.inject_cti_error` arms one: the agent's next request of that operation
is accepted (REST 202) and then refused asynchronously with that code, exactly as
Finesse reports a CTI failure (developer guide, "Dialog CTI Error Notification":
``<apiErrors><apiError><errorData>[CTI code value]</errorData><errorMessage>[CTI
constant]</errorMessage><errorType>Call Operation Failure</errorType>``; user
operations come on the User node with their own ErrorType). The model's state does
not change. Used by the Finesse emulator's tests (its model) and the sim's.

Values (``errorData``) are the CTI protocol's: Unified CCX CTI Protocol, "Control
Failure (CF) Values" (CF_GENERIC_OPERATION 1, CF_INVALID_CALLING_DEVICE 5,
CF_INVALID_CSTA_DEVICE_ID 12) and "Error (E) Status Codes" (E_CTI_INVALID_CALLID 13).
The UCCE codes whose value the public references reachable here do not give carry an
empty ``errorData``.
"""
from __future__ import annotations

from typing import Optional

# code -> (Finesse ErrorType, errorData, the operations where Finesse answers it)
CTI_FAULTS = {
    # the device placing the call is not valid (MAKE_CALL / CONSULT_CALL from it)
    "CF_INVALID_CALLING_DEVICE": ("Call Operation Failure", "5", ("MAKE_CALL", "CONSULT_CALL")),
    # completing a transfer / conference: the active (consult) call's connection id is invalid
    "CF_INVALID_CONNECTION_ID_FOR_ACTIVE_CALL": ("Call Operation Failure", "", ("TRANSFER", "CONFERENCE")),
    # a consult call of a type the peripheral does not accept
    "CF_INVALID_CONSULT_TYPE": ("Call Operation Failure", "", ("CONSULT_CALL",)),
    # a request naming a device id that is not valid (the agent's extension at sign-in)
    "CF_INVALID_CSTA_DEVICE_IDENTIFIER": ("Invalid Device", "12", ("LOGIN",)),
    # the CTI server lacks system resources for the request
    "CF_GENERIC_SYSTEM_RESOURCE_AVAILABILITY": ("Call Operation Failure", "", (
        "MAKE_CALL", "ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "CONFERENCE")),
    # a request about a call id the CTI server does not know (a call that ended there)
    "E_CTI_INVALID_CALLID": ("Call Operation Failure", "13", (
        "ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "CONFERENCE")),
    # the peripheral rejected the request, no details (UCCE ControlFailureCode)
    "CF_GENERIC_UNSPECIFIED_REJECTION": ("Call Operation Failure", "", (
        "MAKE_CALL", "ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "CONFERENCE")),
    # an operation error, no details
    "CF_GENERIC_OPERATION": ("Call Operation Failure", "1", (
        "MAKE_CALL", "ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "CONFERENCE")),
}


class Faults:
    """Part of :class:`~gc_sim.model.ContactCenter` (a mixin)."""

    def inject_cti_error(self, agent_id: str, operation: str, code: str) -> None:
        """Arm ``code`` for ``agent_id``'s next ``operation`` (a Finesse requestedAction
        such as HOLD or CONSULT_CALL, MAKE_CALL, or LOGIN). ValueError for a code that
        is not one of :data:`CTI_FAULTS` or an operation where Finesse does not answer it."""
        operation = operation.upper()
        if code not in CTI_FAULTS:
            raise ValueError(f"no injectable CTI error {code!r} (known: {', '.join(CTI_FAULTS)})")
        if operation not in CTI_FAULTS[code][2]:
            raise ValueError(f"{code} is not answered to {operation} (only {', '.join(CTI_FAULTS[code][2])})")
        self._agent(agent_id)  # 404 for an unknown agent
        self._faults.setdefault(str(agent_id), {})[operation] = code

    def _injected_fault(self, agent_id: str, operation: str) -> Optional[tuple]:
        """The armed (code, ErrorType, errorData) for this request, disarmed; else None."""
        armed = self._faults.get(str(agent_id))
        code = armed.pop(operation, None) if armed else None
        if code is None:
            return None
        error_type, data, _ops = CTI_FAULTS[code]
        return code, error_type, data
