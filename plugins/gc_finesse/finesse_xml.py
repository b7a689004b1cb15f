"""Finesse XML <-> :mod:`gc_core.domain` objects.

Readers take elements from :func:`gc_finesse.xmlparse.parse` (names folded to lower
case, namespaces dropped) and look every field up by name, so element order and
case never matter. Missing fields get the domain's defaults: a Finesse version that
omits an element must not break a client's event. Writers build the request bodies
of reference sections 2-4 with ElementTree, so a value a client sent (a call
variable, a wrap-up reason) is always escaped, never spliced into markup.
"""
from __future__ import annotations

import datetime as _dt
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional

from gc_core.domain import (CallbackInfo, Contact, Dialog, MobileAgent, Participant, PhoneBook, Queue,
                            QueueStatistics, ReasonCode, SystemInfo, Team, TeamMember, TeamRef, User,
                            WrapUpReason)

from .xmlparse import text, uri_tail

log = logging.getLogger("gc.finesse.xml")
API = "/finesse/api"
REASON_CODE_STATES = ("NOT_READY", "LOGOUT")

_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s*(Z|[+-]\d\d:?\d\d)?$")


def parse_time(value: str) -> Optional[_dt.datetime]:
    """Finesse's ``2012-03-01T17:58:21.234Z`` (also without fraction or seconds, with
    an offset, or as epoch milliseconds) -> aware UTC datetime; None if empty/unknown."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit() and len(value) >= 12:  # epoch milliseconds (some UCCX fields)
        return _dt.datetime.fromtimestamp(int(value) / 1000, _dt.timezone.utc)
    m = _TIME.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    tzinfo = _dt.timezone.utc
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        tzinfo = _dt.timezone(sign * _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        out = _dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro, tzinfo)
    except ValueError:
        return None
    return out.astimezone(_dt.timezone.utc)


def _int(value: str, default: int = 0) -> int:
    try:
        return int(value.strip())
    except (AttributeError, ValueError):
        return default


def _bool(value: str, default: bool = True) -> bool:
    v = (value or "").strip().lower()
    return default if not v else v == "true"


# -- User -------------------------------------------------------------------------
def reason_code(el: Optional[ET.Element], category: str = "", fallback_id: str = "") -> Optional[ReasonCode]:
    """A ``<ReasonCode>`` (in a User, a list, or a team member's ``<reasonCode>``)."""
    if el is None:
        return None
    if len(el) == 0:  # <reasonCode>16</reasonCode> or empty
        rid = (el.text or "").strip() or fallback_id
        return ReasonCode(id=rid, label="", category=category) if rid and rid != "-1" else None
    # <id>, else the User's reasonCodeId, else the uri's tail (Cisco's own samples show
    # a ReasonCode without <id> whose uri is a template: /finesse/api/ReasonCode/{id})
    tail = uri_tail(text(el, "uri"))
    rid = text(el, "id") or fallback_id or ("" if tail.startswith("{") else tail)
    if not rid or rid == "-1":
        return None
    return ReasonCode(id=rid, label=text(el, "label"), category=text(el, "category") or category,
                      code=text(el, "code"), for_all=_bool(text(el, "forall")))


def user(el: ET.Element) -> User:
    """``<User>`` (REST) or ``<user>`` (notification)."""
    roles = tuple(r.text.strip() for r in el.iterfind("roles/role") if r.text and r.text.strip()) or ("Agent",)
    rc_id = text(el, "reasoncodeid")
    state = text(el, "state", "UNKNOWN").upper() or "UNKNOWN"
    rc = None
    # Only NOT_READY and LOGOUT have a reason code: a User read in TALKING may still
    # carry the last reasonCodeId/ReasonCode, which no longer applies.
    if state in REASON_CODE_STATES:
        rc = reason_code(el.find("reasoncode"), category=state, fallback_id=rc_id)
        if rc is None and rc_id and rc_id != "-1":
            rc = ReasonCode(id=rc_id, label="", category=state)
    team_id = text(el, "teamid")
    teams = []
    for t in el.iterfind("teams/team"):
        tid = text(t, "id") or uri_tail(text(t, "uri"))
        if tid:
            teams.append(TeamRef(tid, text(t, "name")))
    mobile = None
    ma = el.find("mobileagent")
    if ma is not None and (text(ma, "mode") or text(ma, "dialnumber")):
        mobile = MobileAgent(mode=text(ma, "mode"), dial_number=text(ma, "dialnumber"))
    return User(
        login_id=text(el, "loginid") or uri_tail(text(el, "uri")),
        first_name=text(el, "firstname"), last_name=text(el, "lastname"),
        extension=text(el, "extension"), state=state,
        state_change_time=parse_time(text(el, "statechangetime")),
        pending_state=text(el, "pendingstate"), reason_code=rc,
        team=TeamRef(team_id, text(el, "teamname")) if team_id else None,
        roles=roles, teams=teams,
        wrap_up_on_incoming=text(el, "settings/wrapuponincoming"),
        wrap_up_on_outgoing=text(el, "settings/wrapuponoutgoing"),
        mobile_agent=mobile, login_name=text(el, "loginname"))


def reason_codes(el: ET.Element) -> list[ReasonCode]:
    category = (el.get("category") or "").upper()
    out = []
    for rc_el in el.iterfind("reasoncode"):
        rc = reason_code(rc_el, category=category)
        if rc is not None:
            out.append(rc)
    return out


def wrap_up_reasons(el: ET.Element) -> list[WrapUpReason]:
    out = []
    for w in el.iterfind("wrapupreason"):
        wid = text(w, "id") or uri_tail(text(w, "uri"))
        out.append(WrapUpReason(id=wid or text(w, "label"), label=text(w, "label"), for_all=_bool(text(w, "forall"))))
    return out


# -- Dialog ---------------------------------------------------------------------
def participant(el: ET.Element) -> Participant:
    return Participant(
        media_address=text(el, "mediaaddress"), media_address_type=text(el, "mediaaddresstype"),
        state=text(el, "state").upper(), state_cause=text(el, "statecause"),
        start_time=parse_time(text(el, "starttime")),
        state_change_time=parse_time(text(el, "statechangetime")),
        actions=[a.text.strip() for a in el.iterfind("actions/action") if a.text and a.text.strip()])


def dialog(el: ET.Element) -> Dialog:
    """``<Dialog>`` / ``<dialog>``. Finesse has no dialog start time: the earliest
    participant start time stands for it (the caller's leg starts with the call)."""
    mp = el.find("mediaproperties")
    variables: dict = {}
    if mp is not None:
        for cv in mp.iterfind("callvariables/callvariable"):
            name = text(cv, "name")
            if name:
                value = cv.find("value")
                variables[name] = (value.text or "") if value is not None else ""
    parts = [participant(p) for p in el.iterfind("participants/participant")]
    starts = [p.start_time for p in parts if p.start_time is not None]
    cb = el.find("scheduledcallbackinfo")
    callback = None
    if cb is not None and (text(cb, "callbacktime") or text(cb, "callbacknumber")):
        callback = CallbackInfo(text(cb, "callbacktime"), text(cb, "callbacknumber"))
    assoc = uri_tail(text(el, "associateddialoguri"))
    return Dialog(
        id=text(el, "id") or uri_tail(text(el, "uri")),
        from_address=text(el, "fromaddress"), to_address=text(el, "toaddress"),
        state=text(el, "state").upper(), call_type=text(mp, "calltype"), participants=parts,
        call_variables=variables, wrap_up_reason=text(mp, "wrapupreason"),
        dialed_number=text(mp, "dialednumber"), dnis=text(mp, "dnis"),
        queue_name=text(mp, "queuename"), queue_number=text(mp, "queuenumber"),
        associated_dialog_id=assoc or None, secondary_id=text(el, "secondaryid"),
        media_type=text(el, "mediatype") or "Voice", start_time=min(starts) if starts else None,
        scheduled_callback=callback)


def dialogs(el: ET.Element) -> list[Dialog]:
    """The identifiable dialogs of a ``<Dialogs>`` (see :func:`identifiable`)."""
    return [d for d in (dialog(x) for x in el.iterfind("dialog")) if identifiable(d, "a Dialogs list")]


def identifiable(d: Dialog, where: str) -> bool:
    """A dialog without an id (neither ``<id>`` nor ``<uri>``) cannot be acted on or
    told apart from any other: it is dropped with a warning, never reported."""
    if d.id:
        return True
    log.warning("a dialog without an id in %s was dropped (state %r, from %r)", where, d.state, d.from_address)
    return False


# -- Team, Queue, phone books -------------------------------------------------------------
def _sent(el: ET.Element, path: str) -> Optional[str]:
    """The text of ``path``, or None when Finesse did not send the element at all."""
    return text(el, path) if el.find(path) is not None else None


def team_member(el: ET.Element) -> TeamMember:
    """A team's ``<User>``. Team notifications carry Finesse's *summary* user (uri,
    loginId, names, state, stateChangeTime, ReasonCode: no extension, often no
    pendingState): fields not sent are None, to be filled from what was known."""
    state = text(el, "state").upper()
    return TeamMember(
        login_id=text(el, "loginid") or uri_tail(text(el, "uri")),
        first_name=_sent(el, "firstname"), last_name=_sent(el, "lastname"),
        extension=_sent(el, "extension"), state=state, pending_state=_sent(el, "pendingstate"),
        reason_code=reason_code(el.find("reasoncode"), category=state) if state in REASON_CODE_STATES else None,
        state_change_time=parse_time(text(el, "statechangetime")),
        media_type=text(el, "mediatype") or "AGENT_DEVICE")


def team(el: ET.Element) -> Team:
    return Team(id=text(el, "id") or uri_tail(text(el, "uri")), name=text(el, "name"),
                users=[team_member(u) for u in el.iterfind("users/user")])


_UCCE_STATS = {
    "callsinqueue": "calls_in_queue", "agentsready": "agents_ready", "agentsnotready": "agents_not_ready",
    "agentsbusyother": "agents_busy_other", "agentsloggedon": "agents_logged_on",
    "agentstalkinginbound": "agents_talking_inbound", "agentstalkingoutbound": "agents_talking_outbound",
    "agentstalkinginternal": "agents_talking_internal", "agentswrapupnotready": "agents_wrap_up_not_ready",
    "agentswrapupready": "agents_wrap_up_ready",
}
# UCCX "SnapShot" / "SinceMidNight" blocks (reference section 5; the XML form is
# *uncertain*: the fields are read wherever they appear under <statistics>).
_UCCX_STATS = {
    "waitingcalls": "calls_in_queue", "agentsloggedin": "agents_logged_on", "agentsready": "agents_ready",
    "agentsnotready": "agents_not_ready", "agentsinaftercallwork": "agents_wrap_up_not_ready",
    "agentstalking": "agents_talking_inbound", "agentsreserved": "agents_reserved",
    "abandonedcalls": "abandoned_calls", "handledcalls": "handled_calls", "totalcalls": "total_calls",
    "longestcallinqueue": "longest_call_in_queue", "longesthandletime": "longest_handle_time",
}


def queue(el: ET.Element) -> Queue:
    stats = QueueStatistics()
    st = el.find("statistics")
    if st is not None:
        blocks = [b for b in st if len(b)]  # UCCX: <SnapShot>, <SinceMidNight>
        if blocks:
            for block in blocks:
                for f in block:
                    attr = _UCCX_STATS.get(f.tag)
                    # WaitingCalls appears in both blocks: the snapshot's wins
                    if attr and not (attr == "calls_in_queue" and block.tag == "sincemidnight"):
                        setattr(stats, attr, _int(f.text or ""))
        for f in st:
            attr = _UCCE_STATS.get(f.tag)
            if attr:
                setattr(stats, attr, _int(f.text or ""))
            elif f.tag == "starttimeoflongestcallinqueue":
                stats.start_time_of_longest_call_in_queue = parse_time(f.text or "")
    return Queue(id=text(el, "id") or uri_tail(text(el, "uri")), name=text(el, "name"), statistics=stats)


def queues(el: ET.Element) -> list[Queue]:
    return [queue(q) for q in el.iterfind("queue")]


def phonebooks(el: ET.Element) -> list[PhoneBook]:
    return [PhoneBook(id=text(b, "id") or uri_tail(text(b, "uri")), name=text(b, "name"),
                      type=text(b, "type").upper()) for b in el.iterfind("phonebook")]


def contacts(el: ET.Element) -> list[Contact]:
    return [Contact(id=text(c, "id") or uri_tail(text(c, "uri")), first_name=text(c, "firstname"),
                    last_name=text(c, "lastname"), phone_number=text(c, "phonenumber"),
                    description=text(c, "description")) for c in el.iterfind("contact")]


# -- SystemInfo ----------------------------------------------------------------------
@dataclass
class NodeInfo:
    """A node as SystemInfo names it. ``rest_port``/``xmpp_port`` are 0 unless the
    server says (the emulator does, real Finesse names the host only)."""
    host: str = ""
    rest_port: int = 0
    xmpp_port: int = 0


@dataclass
class SystemInfoDoc:
    info: SystemInfo
    auth_mode: str = ""
    primary: NodeInfo = field(default_factory=NodeInfo)
    secondary: NodeInfo = field(default_factory=NodeInfo)


def _node(el: Optional[ET.Element]) -> NodeInfo:
    if el is None:
        return NodeInfo()
    return NodeInfo(host=text(el, "host"), rest_port=_int(text(el, "httpsport")), xmpp_port=_int(text(el, "xmppport")))


def system_info(el: ET.Element) -> SystemInfoDoc:
    primary, secondary = _node(el.find("primarynode")), _node(el.find("secondarynode"))
    info = SystemInfo(status=text(el, "status").upper() or "OUT_OF_SERVICE",
                      deployment_type=text(el, "deploymenttype").upper(),
                      xmpp_domain=text(el, "xmppdomain"), xmpp_pubsub_domain=text(el, "xmpppubsubdomain"),
                      primary_host=primary.host, secondary_host=secondary.host,
                      status_reason=text(el, "statusreason"))
    return SystemInfoDoc(info=info, auth_mode=text(el, "systemauthmode").upper(), primary=primary,
                         secondary=secondary)


# -- ApiErrors ---------------------------------------------------------------------------
@dataclass
class ApiError:
    error_type: str = ""
    error_message: str = ""
    error_data: str = ""


def api_errors(el: Optional[ET.Element]) -> list[ApiError]:
    """``<ApiErrors><ApiError>`` (REST) and ``<apiErrors><apiError>`` (notifications)
    read alike: names are already folded."""
    if el is None:
        return []
    if el.tag == "apierror":
        items = [el]
    else:
        items = list(el.iterfind("apierror"))
    return [ApiError(error_type=text(e, "errortype"), error_message=text(e, "errormessage"),
                     error_data=text(e, "errordata")) for e in items]


# -- request bodies ---------------------------------------------------------------------------
def _sub(parent: ET.Element, tag: str, value: str) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = value
    return el


def _to_bytes(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)


def user_state_body(state: str, *, reason_code_id: Optional[str] = None, extension: Optional[str] = None,
                    mobile_agent: Optional[MobileAgent] = None) -> bytes:
    root = ET.Element("User")
    _sub(root, "state", state)
    if extension:
        _sub(root, "extension", extension)
    if mobile_agent is not None:
        ma = ET.SubElement(root, "mobileAgent")
        _sub(ma, "mode", mobile_agent.mode)
        _sub(ma, "dialNumber", mobile_agent.dial_number)
    if reason_code_id not in (None, ""):
        _sub(root, "reasonCodeId", str(reason_code_id))
    return _to_bytes(root)


def _call_variables(parent: ET.Element, variables: dict) -> None:
    cvs = ET.SubElement(parent, "callvariables")
    for name, value in variables.items():
        cv = ET.SubElement(cvs, "CallVariable")
        _sub(cv, "name", str(name))
        _sub(cv, "value", "" if value is None else str(value))


def make_call_body(from_address: str, to_address: str, call_variables: Optional[dict] = None) -> bytes:
    root = ET.Element("Dialog")
    _sub(root, "requestedAction", "MAKE_CALL")
    _sub(root, "fromAddress", from_address)
    _sub(root, "toAddress", to_address)
    if call_variables:
        _call_variables(ET.SubElement(root, "mediaProperties"), call_variables)
    return _to_bytes(root)


def dialog_action_body(action: str, *, target_media_address: Optional[str] = None,
                       to_address: Optional[str] = None, action_params: Optional[dict] = None) -> bytes:
    root = ET.Element("Dialog")
    _sub(root, "requestedAction", action)
    if to_address:
        _sub(root, "toAddress", to_address)
    if target_media_address:
        _sub(root, "targetMediaAddress", target_media_address)
    if action_params:
        aps = ET.SubElement(root, "actionParams")
        for name, value in action_params.items():
            ap = ET.SubElement(aps, "ActionParam")
            _sub(ap, "name", str(name))
            _sub(ap, "value", "" if value is None else str(value))
    return _to_bytes(root)


def update_call_data_body(*, call_variables: Optional[dict] = None, wrap_up_reason: Optional[str] = None) -> bytes:
    root = ET.Element("Dialog")
    _sub(root, "requestedAction", "UPDATE_CALL_DATA")
    mp = ET.SubElement(root, "mediaProperties")
    if wrap_up_reason is not None:
        _sub(mp, "wrapUpReason", wrap_up_reason)
    if call_variables:
        _call_variables(mp, call_variables)
    return _to_bytes(root)


def supervisor_call_body(action: str, from_address: str, to_address: str,
                         associated_dialog_id: Optional[str] = None) -> bytes:
    root = ET.Element("Dialog")
    _sub(root, "requestedAction", action)
    _sub(root, "fromAddress", from_address)
    _sub(root, "toAddress", to_address)
    if associated_dialog_id:
        _sub(root, "associatedDialogUri", f"{API}/Dialog/{associated_dialog_id}")
    return _to_bytes(root)
