"""Refusals of the simulated contact center, shaped like Finesse's.

Two kinds, as on a real Finesse:

* :class:`CCError` is a *synchronous* refusal: what Finesse's REST layer answers
  with a 4xx/5xx and an ``<ApiErrors>`` body before anything reaches the CTI server
  (unknown user or dialog, bad parameter, an action the flavour lacks, service down).
  Nothing in the model changed and no event was emitted.
* An *asynchronous* CTI refusal (REST said 202, then an ``<apiErrors>`` notification)
  is emitted as a :class:`gc_core.domain.AgentError` event; see the ``E_*`` tuples
  below for the codes the model uses. The model's state is unchanged.
"""
from __future__ import annotations


class CCError(Exception):
    """A synchronous Finesse-style refusal (HTTP status + one ``ApiError``).

    ``error_type`` is Finesse's ``ErrorType`` ("Invalid Input", "Dialog Not Found" ...),
    ``error_message`` its ``ErrorMessage`` and ``error_data`` its ``ErrorData``
    (usually the offending parameter's name or value).
    """

    def __init__(self, status: int, error_type: str, error_message: str = "", error_data: str = ""):
        super().__init__(f"{status} {error_type}: {error_message}" + (f" ({error_data})" if error_data else ""))
        self.status = status
        self.error_type = error_type
        self.error_message = error_message
        self.error_data = error_data

    def __repr__(self) -> str:
        return (f"CCError({self.status!r}, {self.error_type!r}, {self.error_message!r}, "
                f"{self.error_data!r})")


# -- synchronous refusals -------------------------------------------------------

def out_of_service() -> CCError:
    return CCError(503, "Service Unavailable", "SERVER_OUT_OF_SERVICE")


def user_not_found(agent_id: str) -> CCError:
    return CCError(404, "User Not Found", "UNKNOWN_USER", agent_id)


def dialog_not_found(dialog_id: str) -> CCError:
    return CCError(404, "Dialog Not Found", "Dialog Not Found", dialog_id)


def not_found(what: str, ident: str) -> CCError:
    return CCError(404, "Not Found", f"{what} Not Found", ident)


def invalid_input(field: str, message: str = "") -> CCError:
    return CCError(400, "Invalid Input", message or f"Invalid {field}", field)


def parameter_missing(field: str) -> CCError:
    return CCError(400, "Parameter Missing", f"{field} Parameter missing", field)


def invalid_state(message: str, data: str = "") -> CCError:
    return CCError(400, "Invalid State", message, data)


def invalid_destination(address: str) -> CCError:
    return CCError(400, "Invalid Destination", "Invalid Destination", address)


def not_implemented(what: str) -> CCError:
    return CCError(501, "Not Implemented", f"{what} is not supported on this deployment", what)


def unauthorized(message: str = "UNAUTHORIZED") -> CCError:
    return CCError(401, "Authorization Failure", message)


def invalid_supervisor(agent_id: str) -> CCError:
    return CCError(401, "Invalid Supervisor", "The supervisor does not supervise this agent's team", agent_id)


def not_a_supervisor(agent_id: str) -> CCError:
    return CCError(401, "Invalid Authorization User Specified", "The user is not a supervisor", agent_id)


# -- asynchronous CTI refusals: (error_code, error_type, error_data) ---------------

E_INVALID_OBJECT_STATE = ("CF_INVALID_OBJECT_STATE", "Invalid State", "22")
E_CALL_INVALID_STATE = ("CF_INVALID_OBJECT_STATE", "Call Operation Failure", "22")
E_RESOURCE_BUSY = ("CF_RESOURCE_BUSY", "Invalid State", "33")
E_INVALID_WORKMODE = ("CF_INVALID_AGENT_WORKMODE", "Invalid State", "265")
E_INVALID_LOGON_DEVICE = ("CF_INVALID_LOGON_DEVICE_SPECIFIED", "Invalid Device", "")
E_DEVICE_BUSY = ("CF_INVALID_LOGON_DEVICE_SPECIFIED", "Device Busy", "")
E_INVALID_CALLED_DEVICE = ("CF_INVALID_CALLED_DEVICE", "Call Operation Failure", "")
E_CALLED_DEVICE_BUSY = ("CF_RESOURCE_BUSY", "Call Operation Failure", "33")
# UCCE answers a refused CONFERENCE in prose (Finesse guide 12.5(1) p. 86, "stand-alone
# Finesse with Unified CCE"); UCCX answers E_CALL_INVALID_STATE's code. The prose is the
# guide's; the model emits it as the AgentError's description.
E_CONFERENCE_REFUSED_UCCE = ("GENERAL_ERROR", "Generic Error", "20999")
CONFERENCE_REFUSED_TEXT = ("<ConferenceCallCommand>: Conference failed...causes include agent already has a "
                           "consult call or conferencing a non-conference controller.")
