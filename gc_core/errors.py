"""The error catalogue: every error code of the spec, and the exceptions that carry them.

A failure anywhere (decoding, validation, routing, a handler, a backend) becomes a
:class:`GCError`; the core turns it into the spec's ``Error`` event, so a client
always hears about it on the connection it used, and the connection stays open.
"""
from __future__ import annotations

from dataclasses import dataclass

ORIGIN_GC = "GC"
ORIGIN_FINESSE = "Finesse"
ORIGIN_IO = "IOException"
ORIGIN_ZOOM = "Zoom"


@dataclass(frozen=True)
class ErrorCode:
    code: str
    origin: str
    description: str


# The spec's error table (gc-json-api.txt, "Errors"), its descriptions word for word
# (the spec's own spelling: "doesn't exists", "session session"; a line break in a cell
# is one space). Every errorDescription starts with one of these (:func:`describe`).
_SPEC_CODES = [
    ("CF_INVALID_CALLED_DEVICE", ORIGIN_FINESSE, "The called device is not valid"),
    ("CF_INVALID_CALLING_DEVICE", ORIGIN_FINESSE, "The calling device is not valid"),
    ("CF_INVALID_CONNECTION_ID_FOR_ACTIVE_CALL", ORIGIN_FINESSE, "The active connection ID in the request is invalid"),
    ("CF_INVALID_CONSULT_TYPE", ORIGIN_FINESSE, "The consult type is invalid"),
    ("CF_AGENT_ACCOUNT_LOCKED_OUT", ORIGIN_FINESSE, "The account is locked out"),
    ("CF_INVALID_CSTA_DEVICE_IDENTIFIER", ORIGIN_FINESSE, "The device ID is not valid."),
    ("CF_RESOURCE_BUSY", ORIGIN_FINESSE, "An internal resource is busy"),
    ("CF_INVALID_LOGON_DEVICE_SPECIFIED", ORIGIN_FINESSE, "The request specified an invalid logon device."),
    ("CF_GENERIC_UNSPECIFIED_REJECTION", ORIGIN_FINESSE, "The request has been rejected (no specific details available)."),
    ("CF_INVALID_OBJECT_STATE", ORIGIN_FINESSE, "The object is in the incorrect state for the request."),
    ("CF_INVALID_PASSWORD_SPECIFIED", ORIGIN_FINESSE, "The request specified an invalid agent password."),
    ("CF_GENERIC_SYSTEM_RESOURCE_AVAILABILITY", ORIGIN_FINESSE,
     "The request failed due to lack of system resources (no specific details available)"),
    ("E_CTI_INVALID_CALLID", ORIGIN_FINESSE, "A request message was received with an invalid CallID value."),
    ("USER_NOT_FOUND", ORIGIN_FINESSE, "When Agent ID isn't found in Finesse"),
    ("GENERAL_ERROR", ORIGIN_FINESSE, "when root cause is unclear"),
    ("CF_GENERIC_OPERATION", ORIGIN_FINESSE, "An operation error occurred (no specific details available)."),
    ("BAD_DESTINATION", ORIGIN_FINESSE, "Agent called to an invalid extension"),
    ("DOWN", ORIGIN_GC, "IOException When Requester gets no response from Finesse"),
    ("LICENSES_EXCEEDED", ORIGIN_GC, "User license limit exceeded"),
    ("MISSING_EXTENSION", ORIGIN_GC, "Missing Extension"),
    ("MISSING_NUMBER", ORIGIN_GC, "Number to dial is missing in request"),
    ("MISSING_PASSWORD", ORIGIN_GC, "Password is missing in request"),
    ("MISSING_REASON_CODE", ORIGIN_GC, "GC/Finesse expects reason-code that wasn't provided by the client"),
    ("NO_DIALOG_ID", ORIGIN_GC, "The requested dialog doesn't exists in GC"),
    ("NOT_REACHABLE", ORIGIN_GC, "SocketTimeoutException Timeout exception on connecting to Finesse via Requester"),
    ("PLEASE_RETRY", ORIGIN_GC, "invalid request params, IOException, request timeout"),
    ("SUBSCRIPTION_FAILED", ORIGIN_GC, "Invalid credentials supplied for agent login"),
    ("UNABLE_TO_SUBSCRIBE_TO_FINESSE", ORIGIN_GC, "Invalid credentials supplied for agent login"),
    ("WRONG_EXTENSION", ORIGIN_GC, "Extension is not valid (contains alphabetic characters)"),
    ("SESSION_INVALIDATED", ORIGIN_GC,
     "The current session session for login has been invalidate, user has been logged in from a new destination."),
]

CATALOGUE: dict[str, ErrorCode] = {c: ErrorCode(c, o, d) for c, o, d in _SPEC_CODES}


def lookup(code: str) -> ErrorCode:
    """The catalogue entry of ``code``; a code Finesse sent that the spec does not list
    is reported with origin Finesse and its own name as description."""
    return CATALOGUE.get(code) or ErrorCode(code, ORIGIN_FINESSE, code)


def describe(code: str, detail: str = "") -> str:
    """The ``errorDescription`` of ``code``: the spec's description, then what GC knows of
    this failure (``detail``, a sentence: "extension must be digits only") after a colon.

    "Extension is not valid (contains alphabetic characters): extension must be digits only."
    After a description that ends with a full stop the detail follows after a space, its
    words unchanged (a command name keeps its case). A detail that already starts with the
    spec's text (a description composed before, a Finesse message that is the spec's own)
    is kept as it is; a code the spec does not list (Finesse's other CTI codes) is
    described by the detail alone, or by its name.
    """
    detail = (detail or "").strip()
    entry = CATALOGUE.get(code)
    if entry is None:
        return detail or code
    text = entry.description
    if not detail or detail.startswith(text) or detail.rstrip(".") == text.rstrip("."):
        return text if not detail.startswith(text) else detail
    if detail[-1] not in ".!?)":
        detail += "."
    if text.endswith("."):
        return f"{text} {detail}"
    return f"{text}: {detail}"


class GCError(Exception):
    """A failure a client must hear about as an ``Error`` event.

    ``description`` is what GC knows of this failure beyond the code (a sentence, never
    a raw pattern, never a password); the event's text is :func:`describe`'s: the spec's
    description, then this one after a colon. ``details`` carries extra fields for the event (Finesse's own
    ``finesseErrorType``/``finesseErrorData``, the HTTP status ...).
    """

    def __init__(self, code: str, description: str = "", *, origin: str | None = None, **details):
        entry = lookup(code)
        self.code = code
        self.origin = origin or entry.origin
        self.description = describe(code, description)
        self.details = details
        super().__init__(f"{code}: {self.description}")


class BackendError(GCError):
    """Raised by a backend (synchronous Finesse errors, unreachable node ...)."""


# Finesse's ErrorType (synchronous ApiErrors) -> the spec's code, where the
# ErrorMessage is not itself a code. Finesse-shaped backends (Finesse, sim) share it.
_API_ERROR_TYPES = {
    "invalid destination": "BAD_DESTINATION",
    "invalid state": "CF_INVALID_OBJECT_STATE",
    "user not found": "USER_NOT_FOUND",
    "dialog not found": "NO_DIALOG_ID",
    "authorization failure": "SUBSCRIPTION_FAILED",
    "invalid authorization user specified": "SUBSCRIPTION_FAILED",
    "service unavailable": "DOWN",
    "invalid device": "CF_INVALID_LOGON_DEVICE_SPECIFIED",
    "device busy": "CF_RESOURCE_BUSY",
}
_MISSING_PARAMETER = {
    "reasoncodeid": "MISSING_REASON_CODE",
    "extension": "MISSING_EXTENSION",
    "toaddress": "MISSING_NUMBER",
    "password": "MISSING_PASSWORD",
}
_MESSAGE_CODES = {
    "UNAUTHORIZED": "SUBSCRIPTION_FAILED",
    "SERVER_OUT_OF_SERVICE": "DOWN",
    "UNKNOWN_USER": "USER_NOT_FOUND",
}


def from_api_error(status: int, error_type: str, error_message: str, error_data: str = "") -> BackendError:
    """Turn one Finesse ``ApiError`` into the spec's error, keeping Finesse's own words.

    Finesse's ``ErrorMessage`` is often a CTI code (``CF_INVALID_OBJECT_STATE``): then
    it is the ``errorCode``. Otherwise the ``ErrorType`` decides; a missing parameter
    maps to the spec's MISSING_* code; anything else is GENERAL_ERROR."""
    etype = (error_type or "").strip().lower()
    message = (error_message or "").strip()
    details = {"finesseErrorType": error_type or "", "finesseErrorData": error_data or "", "httpStatus": status}
    if etype == "parameter missing" and (error_data or "").lower() in _MISSING_PARAMETER:
        code = _MISSING_PARAMETER[error_data.lower()]
    elif message in _MESSAGE_CODES:
        code = _MESSAGE_CODES[message]
    elif message and message.replace("_", "").isalnum() and message.upper() == message and "_" in message:
        # a CTI code such as CF_INVALID_OBJECT_STATE: Finesse's own code is the errorCode
        code = message
    elif etype in _API_ERROR_TYPES:
        code = _API_ERROR_TYPES[etype]
    elif status == 503:
        code = "DOWN"
    elif status == 501:
        code = "CF_GENERIC_UNSPECIFIED_REJECTION"
    else:
        code = "GENERAL_ERROR"
    looks_like_code = bool(message) and message.upper() == message and " " not in message
    description = message if message and not looks_like_code else lookup(code).description
    if status == 501:
        description = f"not supported by this platform ({message or error_type})"
    return BackendError(code, description, **details)
