"""Finesse XML: gc_core.domain objects -> Finesse REST/notification XML, and safe
parsing of the request bodies clients PUT/POST.

Shapes follow /work/shared/reference/finesse-api.md (sections 2-8). Where the
reference is silent the choice is written next to the code. Rendering is
flavour-aware where UCCE and UCCX differ (section 9): dialog media properties and
queue statistics.
"""
from __future__ import annotations

import datetime as _dt
import re
import xml.etree.ElementTree as ET
from typing import Iterable, Optional

from gc_core.domain import (FLAVOUR_UCCE, FLAVOUR_UCCX, Contact, Dialog, MobileAgent,
                            Participant, PhoneBook, Queue, ReasonCode, SystemInfo, Team, TeamMember, User,
                            WrapUpReason)

API = "/finesse/api"
XMLNS_PUBSUB = "http://jabber.org/protocol/pubsub"


# -- helpers --------------------------------------------------------------------
def fmt_time(value: Optional[_dt.datetime]) -> str:
    """Finesse's ``2012-03-01T17:58:21.234Z`` (UTC, milliseconds); "" for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _sub(parent: ET.Element, tag: str, text: object = "") -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = "" if text is None else (("true" if text else "false") if isinstance(text, bool) else str(text))
    return el


def to_string(el: ET.Element) -> str:
    # Finesse writes empty elements as <x></x> (see the reference's samples).
    return ET.tostring(el, encoding="unicode", short_empty_elements=False)


def _flavour(flavour: str) -> str:
    return (flavour or FLAVOUR_UCCE).upper()


# -- ApiErrors ------------------------------------------------------------------
def api_errors(error_type: str, error_message: str, error_data: str = "") -> str:
    """The synchronous error body: ``<ApiErrors><ApiError><ErrorType/><ErrorData/><ErrorMessage/>``."""
    root = ET.Element("ApiErrors")
    err = ET.SubElement(root, "ApiError")
    _sub(err, "ErrorType", error_type)
    _sub(err, "ErrorData", error_data)
    _sub(err, "ErrorMessage", error_message)
    return to_string(root)


# -- reason codes, wrap-up reasons ------------------------------------------------
def reason_code_el(rc: ReasonCode, tag: str = "ReasonCode", *, with_id: bool = True) -> ET.Element:
    el = ET.Element(tag)
    _sub(el, "category", rc.category)
    _sub(el, "uri", f"{API}/ReasonCode/{rc.id}")
    _sub(el, "code", rc.code or rc.id)
    _sub(el, "label", rc.label)
    _sub(el, "forAll", bool(rc.for_all))
    if with_id:
        _sub(el, "id", rc.id)
    return el


def reason_codes(codes: Iterable[ReasonCode], category: str) -> str:
    root = ET.Element("ReasonCodes", {"category": category})
    for rc in codes:
        el = ET.SubElement(root, "ReasonCode")
        _sub(el, "uri", f"{API}/ReasonCode/{rc.id}")
        _sub(el, "category", rc.category)
        _sub(el, "code", rc.code or rc.id)
        _sub(el, "label", rc.label)
        _sub(el, "forAll", bool(rc.for_all))
        _sub(el, "id", rc.id)  # not in the reference's list sample; the id is also the uri's tail
    return to_string(root)


def wrap_up_reasons(reasons: Iterable[WrapUpReason]) -> str:
    root = ET.Element("WrapUpReasons")
    for wr in reasons:
        el = ET.SubElement(root, "WrapUpReason")
        _sub(el, "uri", f"{API}/WrapUpReason/{wr.id}")
        _sub(el, "label", wr.label)
        _sub(el, "forAll", bool(wr.for_all))
        _sub(el, "id", wr.id)
    return to_string(root)


# -- User ---------------------------------------------------------------------------
def user_el(user: User, tag: str = "User") -> ET.Element:
    """The full User object (``tag`` is ``user`` inside a notification)."""
    el = ET.Element(tag)
    _sub(el, "uri", f"{API}/User/{user.login_id}")
    roles = ET.SubElement(el, "roles")
    for role in user.roles:
        _sub(roles, "role", role)
    _sub(el, "loginId", user.login_id)
    _sub(el, "loginName", user.login_name or user.login_id)
    _sub(el, "state", user.state)
    _sub(el, "stateChangeTime", fmt_time(user.state_change_time))
    _sub(el, "pendingState", user.pending_state)
    # reasonCodeId is -1 when there is none (right after LOGIN, READY ...); the
    # ReasonCode object only accompanies a real code (there is no ReasonCode/-1).
    # Busy on a call made from NOT_READY, Finesse still shows the NOT_READY reason
    # (the corpus's user_get_talking_stale_reason.xml): the stale reason, as it does.
    rc = user.reason_code or user.stale_reason_code
    rc = rc if rc and rc.id not in ("", "-1") else None
    _sub(el, "reasonCodeId", rc.id if rc else "-1")
    if rc:
        el.append(reason_code_el(rc))
    settings = ET.SubElement(el, "settings")
    _sub(settings, "wrapUpOnIncoming", user.wrap_up_on_incoming)
    _sub(settings, "wrapUpOnOutgoing", user.wrap_up_on_outgoing)
    _sub(el, "extension", user.extension)
    if user.mobile_agent:
        ma = ET.SubElement(el, "mobileAgent")
        _sub(ma, "mode", user.mobile_agent.mode)
        _sub(ma, "dialNumber", user.mobile_agent.dial_number)
    _sub(el, "firstName", user.first_name)
    _sub(el, "lastName", user.last_name)
    _sub(el, "teamId", user.team.id if user.team else "")
    _sub(el, "teamName", user.team.name if user.team else "")
    _sub(el, "dialogs", f"{API}/User/{user.login_id}/Dialogs")
    if user.is_supervisor:
        teams = ET.SubElement(el, "teams")
        for t in user.teams:
            tel = ET.SubElement(teams, "Team")
            _sub(tel, "uri", f"{API}/Team/{t.id}")
            _sub(tel, "id", t.id)
            _sub(tel, "name", t.name)
    return el


def user(user_: User) -> str:
    return to_string(user_el(user_))


# -- Dialog ---------------------------------------------------------------------------
def participant_el(p: Participant) -> ET.Element:
    el = ET.Element("Participant")
    actions = ET.SubElement(el, "actions")
    for a in p.actions:
        _sub(actions, "action", a)
    _sub(el, "mediaAddress", p.media_address)
    _sub(el, "mediaAddressType", p.media_address_type)
    _sub(el, "startTime", fmt_time(p.start_time))
    _sub(el, "state", p.state)
    _sub(el, "stateCause", p.state_cause)
    _sub(el, "stateChangeTime", fmt_time(p.state_change_time))
    return el


def dialog_el(d: Dialog, flavour: str, tag: str = "Dialog") -> ET.Element:
    flavour = _flavour(flavour)
    el = ET.Element(tag)
    _sub(el, "associatedDialogUri", f"{API}/Dialog/{d.associated_dialog_id}" if d.associated_dialog_id else "")
    _sub(el, "fromAddress", d.from_address)
    _sub(el, "id", d.id)
    _sub(el, "secondaryId", d.secondary_id)
    mp = ET.SubElement(el, "mediaProperties")
    _sub(mp, "mediaId", "1")
    _sub(mp, "DNIS", d.dnis)
    _sub(mp, "callType", d.call_type)
    _sub(mp, "dialedNumber", d.dialed_number)
    _sub(mp, "queueNumber", d.queue_number)
    _sub(mp, "queueName", d.queue_name)
    _sub(mp, "wrapUpReason", d.wrap_up_reason)
    if flavour == FLAVOUR_UCCX:
        # UCCX only (reference section 3). *Uncertain* inner shape: one wrapUpItem per
        # applied wrap-up reason.
        items = ET.SubElement(mp, "wrapUpItems")
        if d.wrap_up_reason:
            item = ET.SubElement(items, "wrapUpItem")
            _sub(item, "wrapUpReason", d.wrap_up_reason)
    else:
        # UCCE only: the router's call key and the call GUID, derived from the id.
        _sub(mp, "callKeyCallId", d.id)
        _sub(mp, "callKeyPrefix", "150000")
        _sub(mp, "callKeySequenceNum", "1")
        _sub(mp, "callGUID", d.id.encode().hex().upper().rjust(32, "0")[-32:])
    cvs = ET.SubElement(mp, "callvariables")
    for name, value in d.call_variables.items():
        cv = ET.SubElement(cvs, "CallVariable")
        _sub(cv, "name", name)
        _sub(cv, "value", value)
    _sub(el, "mediaType", d.media_type)
    parts = ET.SubElement(el, "participants")
    for p in d.participants:
        parts.append(participant_el(p))
    if d.scheduled_callback is not None:
        sc = ET.SubElement(el, "scheduledCallbackInfo")
        _sub(sc, "callbackTime", d.scheduled_callback.callback_time)
        _sub(sc, "callbackNumber", d.scheduled_callback.callback_number)
    _sub(el, "state", d.state)
    _sub(el, "toAddress", d.to_address)
    _sub(el, "uri", f"{API}/Dialog/{d.id}")
    return el


def dialog(d: Dialog, flavour: str) -> str:
    return to_string(dialog_el(d, flavour))


def dialogs(ds: Iterable[Dialog], flavour: str) -> str:
    root = ET.Element("Dialogs")
    for d in ds:
        root.append(dialog_el(d, flavour))
    return to_string(root)


# -- Team -----------------------------------------------------------------------------
def team_member_el(m: TeamMember, tag: str = "User") -> ET.Element:
    el = ET.Element(tag)
    _sub(el, "uri", f"{API}/User/{m.login_id}")
    _sub(el, "loginId", m.login_id)
    _sub(el, "firstName", m.first_name)
    _sub(el, "lastName", m.last_name)
    _sub(el, "extension", m.extension)
    _sub(el, "pendingState", m.pending_state)
    _sub(el, "state", m.state)
    if m.reason_code and m.reason_code.id not in ("", "-1"):
        el.append(reason_code_el(m.reason_code, "reasonCode"))
    else:
        _sub(el, "reasonCode", "")
    _sub(el, "stateChangeTime", fmt_time(m.state_change_time))
    _sub(el, "mediaType", m.media_type)
    return el


def team(t: Team, include_logged_out: bool = True) -> str:
    root = ET.Element("Team")
    _sub(root, "uri", f"{API}/Team/{t.id}")
    _sub(root, "id", t.id)
    _sub(root, "name", t.name)
    users = ET.SubElement(root, "users")
    for m in t.users:
        if include_logged_out or m.state != "LOGOUT":
            users.append(team_member_el(m))
    return to_string(root)


# -- Queue ------------------------------------------------------------------------------
_UCCE_STATS = ("calls_in_queue", "start_time_of_longest_call_in_queue", "agents_ready", "agents_not_ready",
               "agents_busy_other", "agents_logged_on", "agents_talking_inbound", "agents_talking_outbound",
               "agents_talking_internal", "agents_wrap_up_not_ready", "agents_wrap_up_ready")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def queue_el(q: Queue, flavour: str, tag: str = "Queue") -> ET.Element:
    flavour = _flavour(flavour)
    el = ET.Element(tag)
    _sub(el, "uri", f"{API}/Queue/{q.id}")
    _sub(el, "id", q.id)
    _sub(el, "name", q.name)
    stats = ET.SubElement(el, "statistics")
    s = q.statistics
    if flavour == FLAVOUR_UCCX:
        # The reference (section 5) gives UCCX statistics the "SnapShot" /
        # "SinceMidNight" shape of the spec's GetQueueInfo sample; its XML form is
        # ours: one element per block, the sample's field names inside.
        snap = ET.SubElement(stats, "SnapShot")
        _sub(snap, "WaitingCalls", s.calls_in_queue)
        _sub(snap, "AgentsLoggedIn", s.agents_logged_on)
        _sub(snap, "AgentsReady", s.agents_ready)
        _sub(snap, "AgentsNotReady", s.agents_not_ready)
        _sub(snap, "AgentsInAfterCallWork", s.agents_wrap_up_not_ready + s.agents_wrap_up_ready)
        _sub(snap, "AgentsTalking", s.agents_talking_inbound + s.agents_talking_outbound
             + s.agents_talking_internal)
        _sub(snap, "AgentsReserved", s.agents_reserved)
        smn = ET.SubElement(stats, "SinceMidNight")
        _sub(smn, "WaitingCalls", s.calls_in_queue)
        _sub(smn, "AbandonedCalls", s.abandoned_calls)
        _sub(smn, "HandledCalls", s.handled_calls)
        _sub(smn, "TotalCalls", s.total_calls)
        _sub(smn, "LongestCallInQueue", s.longest_call_in_queue)
        _sub(smn, "LongestHandleTime", s.longest_handle_time)
    else:
        for name in _UCCE_STATS:
            value = getattr(s, name)
            if name == "start_time_of_longest_call_in_queue":
                value = fmt_time(value)
            _sub(stats, _camel(name), value)
    return el


def queue(q: Queue, flavour: str) -> str:
    return to_string(queue_el(q, flavour))


def queues(qs: Iterable[Queue], flavour: str) -> str:
    root = ET.Element("Queues")
    for q in qs:
        root.append(queue_el(q, flavour))
    return to_string(root)


# -- phone books ----------------------------------------------------------------------
def phonebooks(books: Iterable[PhoneBook]) -> str:
    root = ET.Element("PhoneBooks")
    for b in books:
        el = ET.SubElement(root, "PhoneBook")
        _sub(el, "uri", f"{API}/PhoneBook/{b.id}")
        _sub(el, "id", b.id)
        _sub(el, "name", b.name)
        _sub(el, "type", b.type)
        _sub(el, "contacts", f"{API}/PhoneBook/{b.id}/Contacts")
    return to_string(root)


def contacts(phonebook_id: str, items: Iterable[Contact]) -> str:
    root = ET.Element("Contacts")
    for c in items:
        el = ET.SubElement(root, "Contact")
        _sub(el, "firstName", c.first_name)
        _sub(el, "lastName", c.last_name)
        _sub(el, "phoneNumber", c.phone_number)
        _sub(el, "description", c.description)
        _sub(el, "uri", f"{API}/PhoneBook/{phonebook_id}/Contact/{c.id}")
    return to_string(root)


# -- SystemInfo -------------------------------------------------------------------------
def system_info_el(info: SystemInfo, *, primary: tuple[str, int, int], secondary: Optional[tuple[str, int, int]],
                   tag: str = "SystemInfo") -> ET.Element:
    """``primary``/``secondary`` are (host, REST port, XMPP port). Both nodes of the
    emulator run on one loopback address, so besides the reference's ``host`` each
    node names its ports (``httpsPort`` carries the emulator's plain-HTTP port)."""
    el = ET.Element(tag)
    _sub(el, "deploymentType", info.deployment_type)
    for name, node in (("primaryNode", primary), ("secondaryNode", secondary)):
        n = ET.SubElement(el, name)
        if node:
            _sub(n, "host", node[0])
            _sub(n, "httpsPort", node[1])
            _sub(n, "xmppPort", node[2])
    _sub(el, "status", info.status)
    _sub(el, "statusReason", info.status_reason)
    _sub(el, "systemAuthMode", "NON_SSO")
    _sub(el, "timezoneOffset", "0")
    _sub(el, "uri", f"{API}/SystemInfo")
    _sub(el, "xmppDomain", info.xmpp_domain)
    _sub(el, "xmppPubSubDomain", info.xmpp_pubsub_domain)
    return el


# -- notifications ------------------------------------------------------------------------
def update(data: ET.Element | None, event: str, source: str, request_id: str = "") -> str:
    """The Update envelope, as text: ``<Update><data>..</data><event/><requestId/><source/></Update>``."""
    root = ET.Element("Update")
    d = ET.SubElement(root, "data")
    if data is not None:
        d.append(data)
    _sub(root, "event", event)
    _sub(root, "requestId", request_id or "")
    _sub(root, "source", source)
    return to_string(root)


def user_update(u: User, request_id: str = "") -> str:
    return update(user_el(u, "user"), "PUT", f"{API}/User/{u.login_id}", request_id)


def dialog_update(d: Dialog, change: str, agent_id: str, flavour: str, request_id: str = "") -> str:
    """POST and DELETE: ``<dialogs><Dialog>`` with source the user's Dialogs
    collection; PUT: ``<dialog>`` with source the dialog (reference section 8)."""
    change = change.upper()
    if change == "PUT":
        return update(dialog_el(d, flavour, "dialog"), "PUT", f"{API}/Dialog/{d.id}", request_id)
    wrapper = ET.Element("dialogs")
    wrapper.append(dialog_el(d, flavour))
    return update(wrapper, change, f"{API}/User/{agent_id}/Dialogs", request_id)


def team_member_summary_el(m: TeamMember) -> ET.Element:
    """Finesse's *summary* User of a team notification (developer guide, "Team
    Notification": uri, loginId, firstName, lastName, state, stateChangeTime and a
    ReasonCode with category and id; no extension, no pendingState)."""
    el = ET.Element("user")
    _sub(el, "uri", f"{API}/User/{m.login_id}")
    _sub(el, "loginId", m.login_id)
    _sub(el, "firstName", m.first_name or "")
    _sub(el, "lastName", m.last_name or "")
    _sub(el, "state", m.state)
    _sub(el, "stateChangeTime", fmt_time(m.state_change_time))
    if m.reason_code and m.reason_code.id not in ("", "-1") and m.state in ("NOT_READY", "LOGOUT"):
        rc = ET.SubElement(el, "ReasonCode")
        _sub(rc, "uri", f"{API}/ReasonCode/{m.reason_code.id}")
        _sub(rc, "code", m.reason_code.code or m.reason_code.id)
        _sub(rc, "label", m.reason_code.label)
        _sub(rc, "category", m.reason_code.category or m.state)
        _sub(rc, "id", m.reason_code.id)
    return el


def team_member_update(team_id: str, m: TeamMember) -> str:
    """A member's change on ``/finesse/api/Team/{id}/Users``, as the guide's Team
    notification: ``<data><user>`` (the summary User), source the member's User."""
    return update(team_member_summary_el(m), "PUT", f"{API}/User/{m.login_id}")


def queue_update(q: Queue, flavour: str) -> str:
    return update(queue_el(q, flavour), "PUT", f"{API}/Queue/{q.id}")


def system_info_update(el: ET.Element) -> str:
    return update(el, "PUT", f"{API}/SystemInfo")


def error_update(error_type: str, error_message: str, error_data: str, source: str,
                 request_id: str = "") -> str:
    """An asynchronous CTI error (lower-case element names, reference section 7)."""
    errs = ET.Element("apiErrors")
    e = ET.SubElement(errs, "apiError")
    _sub(e, "errorData", error_data)
    _sub(e, "errorMessage", error_message)
    _sub(e, "errorType", error_type)
    return update(errs, "PUT", source, request_id)


def notification_payload(update_xml: str) -> ET.Element:
    """The pubsub item payload: the Update as *escaped text* inside ``<notification>``."""
    el = ET.Element(f"{{{XMLNS_PUBSUB}}}notification")
    el.text = update_xml
    return el


# -- request parsing ------------------------------------------------------------------------
MAX_BODY = 64 * 1024
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)


class BadRequest(Exception):
    """A body the emulator refuses: rendered as 400 ApiErrors."""

    def __init__(self, error_type: str, error_message: str, error_data: str = ""):
        super().__init__(error_message)
        self.error_type = error_type
        self.error_message = error_message
        self.error_data = error_data


def parse_body(body: bytes, expected_root: str) -> ET.Element:
    """Parse a request body safely: no DTD, no entities, bounded size, the expected root."""
    if not body or not body.strip():
        raise BadRequest("Bad Request", "Request body missing", expected_root)
    if len(body) > MAX_BODY:
        raise BadRequest("Bad Request", "Request body too large", expected_root)
    if _FORBIDDEN.search(body):
        raise BadRequest("Bad Request", "DTD and entity declarations are not allowed", expected_root)
    try:
        parser = ET.XMLParser()
        parser.feed(body)
        root = parser.close()
    except ET.ParseError as exc:
        raise BadRequest("Bad Request", f"Malformed XML: {exc}", expected_root) from None
    if root.tag != expected_root:
        raise BadRequest("Invalid Input", f"Expected a {expected_root} element", root.tag)
    return root


def text(el: ET.Element, tag: str) -> Optional[str]:
    """Child text (stripped), "" for an empty element, None if absent."""
    child = el.find(tag)
    if child is None:
        return None
    return (child.text or "").strip()


def parse_call_variables(el: Optional[ET.Element]) -> tuple[Optional[dict], Optional[str]]:
    """``<mediaProperties>`` -> (call variables or None, wrapUpReason or None)."""
    if el is None:
        return None, None
    wrap = text(el, "wrapUpReason")
    cvs_el = el.find("callvariables")
    cvs = None
    if cvs_el is not None:
        cvs = {}
        for cv in cvs_el.findall("CallVariable"):
            name = text(cv, "name")
            if not name:
                raise BadRequest("Parameter Missing", "CallVariable name missing", "name")
            cvs[name] = (cv.findtext("value") or "")
    return cvs, wrap


def parse_action_params(el: ET.Element) -> dict:
    params = {}
    ap = el.find("actionParams")
    if ap is not None:
        for p in ap.findall("ActionParam"):
            name = text(p, "name")
            if name:
                params[name] = (p.findtext("value") or "").strip()
    return params


def parse_mobile_agent(el: ET.Element) -> Optional[MobileAgent]:
    ma = el.find("mobileAgent")
    if ma is None:
        return None
    return MobileAgent(mode=text(ma, "mode") or "", dial_number=text(ma, "dialNumber") or "")


def dialog_id_from_uri(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1] if uri else ""
