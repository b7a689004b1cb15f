"""Bad input gets Finesse's status and an ApiErrors body: never a 500, never a crash."""
from __future__ import annotations

import socket

import pytest

from .helpers import (API, assert_api_error, dialog_put, dialog_update, login, make_call, user_update, xml)

LOGIN = "<User><state>LOGIN</state><extension>1001</extension></User>"


@pytest.fixture
def talking(finesse_emulator, finesse, xmpp):
    """1001 on an answered customer call; returns (client, subscriber, dialog id)."""
    f, sub = finesse("1001"), xmpp("1001")
    login(f, "1001", "l", ready=True)
    user_update(sub, "1001", "l-ready")
    did = finesse_emulator.model.inbound_call()
    dialog_update(sub, "1001", "POST", dialog_id=did)
    assert dialog_put(f, did, "ANSWER", request_id="a").status_code == 202
    dialog_update(sub, "1001", "PUT", "a", state="ACTIVE")
    return f, sub, did


@pytest.mark.parametrize("body, status, error_type, data", [
    (b"", 400, "Bad Request", None),
    (b"<User><state>LOGIN</state>", 400, "Bad Request", None),
    (b"\xff\xfe\x00garbage", 400, "Bad Request", None),
    (b'<!DOCTYPE User [<!ENTITY x "LOGIN">]><User><state>&x;</state></User>', 400, "Bad Request", None),
    (b"<Dialog><state>READY</state></Dialog>", 400, "Invalid Input", "Dialog"),
    (b"<User><extension>1001</extension></User>", 400, "Parameter Missing", "state"),
    (b"<User><state></state></User>", 400, "Parameter Missing", "state"),
    (b"<User><state>SLEEPING</state></User>", 400, "Invalid Input", "state"),
    (b"<User><state>LOGIN</state></User>", 400, "Parameter Missing", "extension"),
    (b"<User><state>READY</state></User>", 400, "Invalid State", None),  # not signed in
])
def test_bad_user_put(finesse, body, status, error_type, data):
    assert_api_error(finesse("1001").put("/User/1001", body), status, error_type, data=data)


def test_missing_state_message_is_the_reference_one(finesse):
    r = finesse("1001").put("/User/1001", "<User></User>")
    assert_api_error(r, 400, "Parameter Missing", "State Parameter missing", "state")


def test_bad_reason_codes(finesse):
    f = finesse("1001")
    login(f, "1001")
    r = f.put("/User/1001", "<User><state>NOT_READY</state><reasonCodeId>21</reasonCodeId></User>")
    assert_api_error(r, 400, "Invalid Input", data="reasonCodeId")  # a LOGOUT code
    r = f.put("/User/1001", "<User><state>NOT_READY</state><reasonCodeId>424242</reasonCodeId></User>")
    assert_api_error(r, 400, "Invalid Input", data="reasonCodeId")
    assert_api_error(f.get("/User/1001/ReasonCodes"), 400, "Parameter Missing", data="category")
    assert_api_error(f.get("/User/1001/ReasonCodes", params={"category": "LUNCH"}), 400, "Invalid Input")


@pytest.mark.parametrize("body, status, error_type, data", [
    ("<Dialog><toAddress>1002</toAddress></Dialog>", 400, "Parameter Missing", "requestedAction"),
    ("<Dialog><requestedAction>TELEPORT</requestedAction></Dialog>", 400, "Invalid Input", "TELEPORT"),
    ("<Dialog><requestedAction>HOLD</requestedAction></Dialog>", 400, "Parameter Missing", "targetMediaAddress"),
    ("<Dialog><requestedAction>HOLD</requestedAction><targetMediaAddress>1002</targetMediaAddress></Dialog>",
     400, "Invalid Input", "targetMediaAddress"),
    ("<Dialog><requestedAction>CONSULT_CALL</requestedAction><targetMediaAddress>1001</targetMediaAddress>"
     "</Dialog>", 400, "Parameter Missing", "toAddress"),
    ("<Dialog><requestedAction>CONSULT_CALL</requestedAction><targetMediaAddress>1001</targetMediaAddress>"
     "<toAddress>1001</toAddress></Dialog>", 400, "Invalid Destination", "1001"),
    ("<Dialog><requestedAction>SEND_DTMF</requestedAction><targetMediaAddress>1001</targetMediaAddress>"
     "<actionParams><ActionParam><name>dtmfString</name><value>12x</value></ActionParam></actionParams></Dialog>",
     400, "Invalid Input", "dtmfString"),
    ("<Dialog><requestedAction>UPDATE_CALL_DATA</requestedAction></Dialog>", 400, "Parameter Missing",
     "mediaProperties"),
    ("<Dialog><requestedAction>UPDATE_CALL_DATA</requestedAction><mediaProperties><callvariables><CallVariable>"
     "<name>BACampaign</name><value>x</value></CallVariable></callvariables></mediaProperties></Dialog>",
     400, "Invalid Input", "BACampaign"),
    ("<Dialog><requestedAction>UPDATE_CALL_DATA</requestedAction><mediaProperties><callvariables><CallVariable>"
     f"<name>callVariable1</name><value>{'x' * 41}</value></CallVariable></callvariables></mediaProperties>"
     "</Dialog>", 400, "Invalid Input", "callVariable1"),
    ("<Dialog><requestedAction>RECLASSIFY</requestedAction><actionParams><ActionParam>"
     "<name>outboundClassification</name><value>SPAM</value></ActionParam></actionParams></Dialog>",
     400, "Invalid Input", "outboundClassification"),
])
def test_bad_dialog_put(talking, body, status, error_type, data):
    f, _sub, did = talking
    assert_api_error(f.put(f"/Dialog/{did}", body), status, error_type, data=data)


def test_dialogs_that_do_not_exist(talking, finesse):
    f, _sub, did = talking
    assert_api_error(dialog_put(f, "424242", "HOLD"), 404, "Dialog Not Found", data="424242")
    other = finesse("1002")
    login(other, "1002")
    assert_api_error(dialog_put(other, did, "HOLD"), 404, "Dialog Not Found", data=did)


@pytest.mark.parametrize("body, status, error_type, data", [
    ("<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>1001</fromAddress></Dialog>",
     400, "Parameter Missing", "toAddress"),
    ("<Dialog><requestedAction>MAKE_CALL</requestedAction><toAddress>1002</toAddress></Dialog>",
     400, "Parameter Missing", "fromAddress"),
    ("<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>1003</fromAddress>"
     "<toAddress>1002</toAddress></Dialog>", 400, "Invalid Input", "1003"),
    ("<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>1001</fromAddress>"
     "<toAddress>1001</toAddress></Dialog>", 400, "Invalid Destination", "1001"),
    ("<Dialog><requestedAction>ANSWER</requestedAction><fromAddress>1001</fromAddress>"
     "<toAddress>1002</toAddress></Dialog>", 400, "Invalid Input", "ANSWER"),
    ("<Dialog><requestedAction>SILENT_MONITOR</requestedAction><fromAddress>1001</fromAddress>"
     "<toAddress>1002</toAddress></Dialog>", 401, "Invalid Authorization User Specified", "1001"),
    ("<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>1001</fromAddress>"
     "<toAddress>1002</toAddress>", 400, "Bad Request", None),
])
def test_bad_dialog_post(finesse, body, status, error_type, data):
    f = finesse("1001")
    login(f, "1001")
    assert_api_error(f.post("/User/1001/Dialogs", body), status, error_type, data=data)


def test_make_call_while_signed_out(finesse):
    f = finesse("1001")
    assert_api_error(make_call(f, "1002"), 400, "Invalid State")


def test_make_call_while_on_a_call_is_an_async_error(talking):
    f, sub, _did = talking
    assert make_call(f, "1002", "second").status_code == 202
    n = sub.wait_for(lambda n: n.request_id == "second", what="async error")
    assert n.node == f"{API}/User/1001/Dialogs" and n.source == f"{API}/User/1001/Dialogs"
    assert n.find("data/apiErrors/apiError/errorMessage") == "CF_INVALID_OBJECT_STATE"


def test_unknown_resources_and_methods(finesse):
    f = finesse("1001")
    assert_api_error(f.get("/Nothing/Here"), 404, "Not Found")
    assert_api_error(finesse().get("/Nothing/Here"), 404, "Not Found")
    r = f.session.delete(f.url("/User/1001"), timeout=10)
    assert_api_error(r, 405, "Method Not Allowed")
    assert set(r.headers["Allow"].split(", ")) == {"GET", "PUT"}
    assert_api_error(f.post("/User/1001", LOGIN), 405, "Method Not Allowed")
    assert_api_error(f.put("/SystemInfo", "<SystemInfo/>"), 405, "Method Not Allowed")
    assert f.session.get(f.node.rest_base + "/", timeout=10).status_code == 404


def test_oversized_body_and_bad_content_length(finesse):
    f = finesse("1001")
    big = "<User><state>LOGIN</state><extension>1001</extension>" + " " * 70000 + "</User>"
    assert_api_error(f.put("/User/1001", big), 400, "Bad Request")
    raw = (b"PUT /finesse/api/User/1001 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic MTAwMTpzZWNyZXQ=\r\n"
           b"Content-Length: abc\r\nConnection: close\r\n\r\n" + LOGIN.encode())
    with socket.create_connection((f.node.host, f.node.rest_port), timeout=10) as s:
        s.sendall(raw)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    assert reply.split(b"\r\n", 1)[0].split(b" ")[1] in (b"400", b"411"), reply[:200]
    with socket.create_connection((f.node.host, f.node.rest_port), timeout=10) as s:
        s.sendall(b"\x16\x03\x01 this is not HTTP\r\n\r\n")  # e.g. a TLS client on the HTTP port
        s.recv(65536)
    assert f.get("/SystemInfo").status_code == 200  # still serving


def test_an_internal_failure_is_a_500_api_error_and_the_server_goes_on(finesse_emulator, finesse, monkeypatch):
    model = finesse_emulator._model

    def broken(*_a, **_k):
        raise RuntimeError("boom")
    monkeypatch.setattr(model, "wrap_up_reasons", broken)
    f = finesse("1001")
    assert_api_error(f.get("/User/1001/WrapUpReasons"), 500, "Internal Server Error")
    monkeypatch.undo()
    assert f.get("/User/1001/WrapUpReasons").status_code == 200


def test_a_burst_of_bad_requests_yields_no_500(finesse):
    f = finesse("1001")
    bodies = [b"<", b"<User/>", b"<User><state>LOGIN</state><extension>x</extension>", b"\x00" * 10,
              b"<?xml version='1.0' encoding='latin-1'?><User><state>\xe9</state></User>",
              b"<User><state>LOGIN</state><extension>1001</extension><mobileAgent><mode>X</mode></mobileAgent></User>"]
    for body in bodies:
        for path in ("/User/1001", "/Dialog/1", "/User/1001/Dialogs"):
            r = f.session.request("POST" if path.endswith("Dialogs") else "PUT", f.url(path), data=body, timeout=10)
            assert 400 <= r.status_code < 500, (path, body, r.status_code, r.text)
            xml(r)  # an ApiErrors body
