"""Small helpers shared by the emulator tests (plain XML and notification matching)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from . import reference_samples as R

API = "/finesse/api"


def xml(resp) -> ET.Element:
    return ET.fromstring(resp.text)


def assert_api_error(resp, status, error_type, message=None, data=None):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/xml")
    err = xml(resp)
    assert err.tag == "ApiErrors" and len(err) == 1
    assert err.findtext("ApiError/ErrorType") == error_type, resp.text
    if message is not None:
        assert err.findtext("ApiError/ErrorMessage") == message, resp.text
    if data is not None:
        assert err.findtext("ApiError/ErrorData") == data, resp.text


def user_update(sub, agent, request_id=None, state=None, what="user notification"):
    def match(n):
        return (n.node == f"{API}/User/{agent}" and n.update.find("data/user") is not None
                and (request_id is None or n.request_id == request_id)
                and (state is None or n.find("data/user/state") == state))
    n = sub.wait_for(match, what=f"{what} ({agent} {request_id} {state})")
    assert n.event == "PUT" and n.source == f"{API}/User/{agent}"
    assert R.missing_paths(R.USER, n.data, R.USER_OPTIONAL) == set()
    return n


def dialog_update(sub, agent, change=None, request_id=None, state=None, dialog_id=None, call_type=None,
                  what="dialog notification"):
    """The next dialog notification for ``agent`` matching; returns (notification, Dialog element).
    Checks the envelope shape the reference gives for each event kind."""
    def dialog_of(n):
        return n.update.find("data/dialogs/Dialog") if n.event in ("POST", "DELETE") else n.update.find("data/dialog")

    def match(n):
        if n.node != f"{API}/User/{agent}/Dialogs" or n.update.find("data/apiErrors") is not None:
            return False
        d = dialog_of(n)
        return (d is not None and (change is None or n.event == change)
                and (request_id is None or n.request_id == request_id)
                and (state is None or d.findtext("state") == state)
                and (dialog_id is None or d.findtext("id") == dialog_id)
                and (call_type is None or d.findtext("mediaProperties/callType") == call_type))
    n = sub.wait_for(match, what=f"{what} ({agent} {change} {request_id} {state} {dialog_id})")
    d = dialog_of(n)
    if n.event == "PUT":
        assert n.source == f"{API}/Dialog/{d.findtext('id')}"
    else:
        assert n.source == f"{API}/User/{agent}/Dialogs"
    assert R.missing_paths(R.DIALOG, d, R.DIALOG_OPTIONAL) == set()
    return n, d


def async_error(sub, agent, request_id, what="asynchronous error"):
    n = sub.wait_for(lambda n: n.request_id == request_id and n.update.find("data/apiErrors") is not None,
                     what=f"{what} ({agent} {request_id})")
    assert R.missing_paths(R.ASYNC_ERROR, n.update) == set()
    return n


def party(dialog, address):
    for p in dialog.findall("participants/Participant"):
        if p.findtext("mediaAddress") == address:
            return p
    return None


def actions(dialog, address):
    p = party(dialog, address)
    return [a.text for a in p.findall("actions/action")] if p is not None else []


def login(f, agent, request_id="login", ready=False):
    """PUT LOGIN (then READY if asked); returns the LOGIN response."""
    r = f.put(f"/User/{agent}", f"<User><state>LOGIN</state><extension>{agent}</extension></User>", request_id)
    assert r.status_code == 202, r.text
    if ready:
        ready_r = f.put(f"/User/{agent}", "<User><state>READY</state></User>", request_id + "-ready")
        assert ready_r.status_code == 202, ready_r.text
    return r


def dialog_put(f, dialog_id, action, target=None, request_id=None, extra=""):
    target = f.agent if target is None else target
    body = (f"<Dialog><requestedAction>{action}</requestedAction>"
            + (f"<targetMediaAddress>{target}</targetMediaAddress>" if target else "") + extra + "</Dialog>")
    return f.put(f"/Dialog/{dialog_id}", body, request_id)


def make_call(f, to, request_id=None, extra=""):
    return f.post(f"/User/{f.agent}/Dialogs", "<Dialog><requestedAction>MAKE_CALL</requestedAction>"
                  f"<fromAddress>{f.agent}</fromAddress><toAddress>{to}</toAddress>{extra}</Dialog>", request_id)
