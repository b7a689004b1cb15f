"""User, reason codes, wrap-up reasons, SystemInfo and authentication over plain
requests, with notifications observed by a plain slixmpp subscriber."""
from __future__ import annotations

import pytest
import requests

from . import reference_samples as R
from .helpers import API, assert_api_error, login, user_update, xml

BOTH = pytest.mark.parametrize("finesse_emulator", ["UCCE", "UCCX"], indirect=True)


@BOTH
def test_system_info_without_credentials(finesse_emulator, finesse):
    for node in finesse_emulator.nodes:
        r = finesse(node=node.name).get("/SystemInfo")
        assert r.status_code == 200
        info = xml(r)
        assert R.missing_paths(R.SYSTEM_INFO, info) == set()
        assert info.findtext("deploymentType") == finesse_emulator.flavour
        assert info.findtext("status") == "IN_SERVICE"
        assert info.findtext("xmppDomain") == "finesse.local"
        assert info.findtext("xmppPubSubDomain") == "pubsub.finesse.local"
        assert info.findtext("primaryNode/httpsPort") == str(finesse_emulator.primary.rest_port)
        assert info.findtext("secondaryNode/xmppPort") == str(finesse_emulator.secondary.xmpp_port)


@BOTH
def test_login_ready_not_ready_logout_with_notifications(finesse_emulator, finesse, xmpp):
    sub = xmpp("1001")
    f = finesse("1001")
    r = login(f, "1001", "req-login")
    assert r.text == ""
    n = user_update(sub, "1001", "req-login")
    user = n.data
    assert user.tag == "user"
    assert user.findtext("state") == "NOT_READY" and user.findtext("reasonCodeId") == "-1"
    assert user.findtext("extension") == "1001"

    got = xml(f.get("/User/1001"))
    assert got.tag == "User" and got.findtext("state") == "NOT_READY"
    assert R.missing_paths(R.USER, got, R.USER_OPTIONAL) == set()

    assert f.put("/User/1001", "<User><state>READY</state></User>", "req-ready").status_code == 202
    assert user_update(sub, "1001", "req-ready").find("data/user/state") == "READY"

    r = f.put("/User/1001", "<User><state>NOT_READY</state><reasonCodeId>2</reasonCodeId></User>", "req-nr")
    assert r.status_code == 202
    n = user_update(sub, "1001", "req-nr")
    assert n.find("data/user/state") == "NOT_READY" and n.find("data/user/reasonCodeId") == "2"
    assert n.find("data/user/ReasonCode/label") == "Meeting"
    assert n.find("data/user/ReasonCode/uri") == f"{API}/ReasonCode/2"

    r = f.put("/User/1001", "<User><state>LOGOUT</state><reasonCodeId>21</reasonCodeId></User>", "req-out")
    assert r.status_code == 202
    n = user_update(sub, "1001", "req-out")
    assert n.find("data/user/state") == "LOGOUT" and n.find("data/user/ReasonCode/category") == "LOGOUT"


@BOTH
def test_work_states(finesse_emulator, finesse, xmpp):
    sub = xmpp("1002")
    f = finesse("1002")
    login(f, "1002")
    assert f.put("/User/1002", "<User><state>WORK</state></User>", "w").status_code == 202
    assert user_update(sub, "1002", "w").find("data/user/state") == "WORK"
    r = f.put("/User/1002", "<User><state>WORK_READY</state></User>", "wr")
    if finesse_emulator.flavour == "UCCE":
        assert r.status_code == 202
        assert user_update(sub, "1002", "wr").find("data/user/state") == "WORK_READY"
    else:  # UCCX has no WORK_READY state
        assert_api_error(r, 400, "Invalid Input", data="state")


@BOTH
def test_request_id_goes_to_the_node_that_got_the_request(finesse_emulator, finesse, xmpp):
    on_primary = xmpp("1003", "primary")
    on_secondary = xmpp("1003", "secondary")
    login(finesse("1003", "secondary"), "1003", "via-secondary")
    n = user_update(on_secondary, "1003", "via-secondary")
    assert n.find("data/user/state") == "NOT_READY"
    other = user_update(on_primary, "1003", state="NOT_READY")
    assert other.request_id == ""


def test_mobile_agent_login_ucce(finesse_emulator, finesse, xmpp):
    sub = xmpp("1001")
    r = finesse("1001").put("/User/1001", "<User><state>LOGIN</state><extension>1001</extension><mobileAgent>"
                            "<mode>NAILED_CONNECTION</mode><dialNumber>4085551234</dialNumber></mobileAgent></User>",
                            "mobile")
    assert r.status_code == 202
    n = user_update(sub, "1001", "mobile")
    assert n.find("data/user/mobileAgent/mode") == "NAILED_CONNECTION"
    assert n.find("data/user/mobileAgent/dialNumber") == "4085551234"


def test_login_on_a_device_in_use_is_an_async_error(finesse_emulator, finesse, xmpp):
    sub = xmpp("1002")
    login(finesse("1001"), "1001")
    r = finesse("1002").put("/User/1002", "<User><state>LOGIN</state><extension>1001</extension></User>", "busy")
    assert r.status_code == 202
    n = sub.wait_for(lambda n: n.request_id == "busy", what="async error")
    assert n.node == f"{API}/User/1002" and n.source == f"{API}/User/1002" and n.event == "PUT"
    assert n.find("data/apiErrors/apiError/errorType") == "Device Busy"
    assert n.find("data/apiErrors/apiError/errorMessage") == "CF_INVALID_LOGON_DEVICE_SPECIFIED"


@BOTH
def test_reason_codes_and_wrap_up_reasons(finesse_emulator, finesse):
    f = finesse("1001")
    r = f.get("/User/1001/ReasonCodes", params={"category": "NOT_READY"})
    assert r.status_code == 200
    assert R.missing_paths(R.REASON_CODES, r.text) == set()
    codes = xml(r)
    assert codes.get("category") == "NOT_READY"
    assert [c.findtext("label") for c in codes] == ["Lunch", "Meeting", "Training", "Break"]
    assert {c.findtext("category") for c in codes} == {"NOT_READY"}
    logout = xml(f.get("/User/1001/ReasonCodes", params={"category": "LOGOUT"}))
    assert [c.findtext("uri") for c in logout] == [f"{API}/ReasonCode/{i}" for i in ("21", "22", "23")]
    assert len(xml(f.get("/User/1001/ReasonCodes", params={"category": "ALL"}))) == 7
    r = f.get("/User/1001/WrapUpReasons")
    assert r.status_code == 200 and R.missing_paths(R.WRAP_UP_REASONS, r.text) == set()
    assert xml(r)[0].findtext("label") == "Complaint"


def test_wrong_password_and_lockout(finesse_emulator, finesse):
    for _ in range(4):
        assert_api_error(finesse("1002", password="bad").get("/User/1002"), 401, "Authorization Failure",
                         "UNAUTHORIZED")
    assert finesse("1002").get("/User/1002").status_code == 200  # a success resets the count
    for _ in range(5):
        assert_api_error(finesse("1002", password="bad").get("/User/1002"), 401, "Authorization Failure",
                         "UNAUTHORIZED")
    # locked: even the right password is refused, on either node (one user store)
    for node in ("primary", "secondary"):
        assert_api_error(finesse("1002", node).get("/User/1002"), 401, "Authorization Failure",
                         "CF_AGENT_ACCOUNT_LOCKED_OUT")
    assert finesse("1003").get("/User/1003").status_code == 200  # others are not affected


def test_missing_or_unknown_credentials(finesse_emulator, finesse):
    assert_api_error(finesse().get("/User/1001"), 401, "Authorization Failure", "UNAUTHORIZED")
    assert_api_error(finesse("9999").get("/User/9999"), 401, "Authorization Failure", "UNAUTHORIZED")
    r = finesse().get("/User/1001", headers={"Authorization": "Basic !!!not-base64"})
    assert_api_error(r, 401, "Authorization Failure")
    r = finesse().get("/User/1001", headers={"Authorization": "Bearer some-sso-token"})
    assert_api_error(r, 401, "Authorization Failure")


def test_users_act_only_on_themselves(finesse_emulator, finesse):
    f = finesse("1001")
    assert_api_error(f.get("/User/1002"), 401, "Invalid Authorization User Specified", data="1002")
    assert_api_error(f.get("/User/4242"), 404, "User Not Found", "UNKNOWN_USER", "4242")
    r = f.put("/User/1002", "<User><state>READY</state></User>")
    assert_api_error(r, 401, "Invalid Authorization User Specified")
    r = f.post("/User/1002/Dialogs", "<Dialog><requestedAction>MAKE_CALL</requestedAction>"
               "<fromAddress>1002</fromAddress><toAddress>1003</toAddress></Dialog>")
    assert_api_error(r, 401, "Invalid Authorization User Specified")


@BOTH
def test_supervisor_reads_and_forces_member_states(finesse_emulator, finesse, xmpp):
    agent_sub = xmpp("1001")
    sup = finesse("1100")
    login(finesse("1001"), "1001")
    user_update(agent_sub, "1001", "login")
    me = xml(sup.get("/User/1100"))
    assert [r.text for r in me.find("roles")] == ["Agent", "Supervisor"]
    assert me.findtext("teams/Team/id") == "1"
    assert xml(sup.get("/User/1001")).findtext("state") == "NOT_READY"  # a member of its team
    assert sup.put("/User/1001", "<User><state>READY</state></User>", "sup-ready").status_code == 202
    assert user_update(agent_sub, "1001", state="READY").find("data/user/state") == "READY"
    assert sup.put("/User/1001", "<User><state>NOT_READY</state></User>", "sup-nr").status_code == 202
    n = user_update(agent_sub, "1001", state="NOT_READY")
    forced = "999" if finesse_emulator.flavour == "UCCE" else "33"
    assert n.find("data/user/reasonCodeId") == forced
    r = sup.put("/User/1001", "<User><state>NOT_READY</state><reasonCodeId>1</reasonCodeId></User>")
    assert_api_error(r, 400, "Invalid Input", data="reasonCodeId")
    # an agent is no supervisor
    assert_api_error(finesse("1002").put("/User/1001", "<User><state>READY</state></User>"), 401,
                     "Invalid Authorization User Specified")


def test_a_single_node_cluster(finesse_clusters):
    cluster = finesse_clusters.get("UCCX", secondary=False)
    assert cluster.secondary is None and [n.name for n in cluster.nodes] == ["primary"]
    info = xml(requests.get(cluster.primary.rest_url + "/SystemInfo", timeout=10))
    assert info.findtext("primaryNode/httpsPort") == str(cluster.primary.rest_port)
    assert info.find("secondaryNode") is not None and len(info.find("secondaryNode")) == 0
