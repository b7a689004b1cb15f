"""Primary and secondary over one model (reference section 1, "Failover"): out of
service, stopped, and back, each observed over plain REST and plain XMPP."""
from __future__ import annotations

import pytest
import requests

from .conftest import wait_until
from .helpers import API, assert_api_error, login, user_update, xml

FINESSE = "finesse@finesse.local"


def system_info(sub, status):
    n = sub.wait_for(lambda n: n.node == f"{API}/SystemInfo" and n.find("data/SystemInfo/status") == status,
                     what=f"SystemInfo {status}")
    assert n.event == "PUT" and n.source == f"{API}/SystemInfo"
    return n


def refused(node) -> bool:
    try:
        requests.get(node.rest_url + "/SystemInfo", timeout=5)
    except requests.ConnectionError:
        return True
    return False


@pytest.mark.parametrize("finesse_emulator", ["UCCE", "UCCX"], indirect=True)
def test_primary_out_of_service_then_back(finesse_emulator, finesse, xmpp):
    p_sub, s_sub = xmpp("1001", "primary"), xmpp("1001", "secondary", resource="other")
    p_rest, s_rest = finesse("1001", "primary"), finesse("1001", "secondary")
    login(p_rest, "1001", "l")
    user_update(p_sub, "1001", "l")

    finesse_emulator.take_out_of_service("primary")
    n = system_info(p_sub, "OUT_OF_SERVICE")
    assert n.find("data/SystemInfo/deploymentType") == finesse_emulator.flavour
    # every REST call answers 503 with the reference's body, except SystemInfo
    r = p_rest.get("/User/1001")
    assert r.status_code == 503
    assert r.text == ("<ApiErrors><ApiError><ErrorType>Service Unavailable</ErrorType><ErrorData></ErrorData>"
                      "<ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage></ApiError></ApiErrors>")
    assert_api_error(p_rest.put("/User/1001", "<User><state>READY</state></User>"), 503, "Service Unavailable",
                     "SERVER_OUT_OF_SERVICE")
    assert_api_error(finesse("1001", "primary", password="wrong").get("/User/1001"), 503, "Service Unavailable")
    info = p_rest.get("/SystemInfo")
    assert info.status_code == 200 and xml(info).findtext("status") == "OUT_OF_SERVICE"
    # the client moves to the secondary, which is in service and sees the same agent
    assert xml(s_rest.get("/SystemInfo")).findtext("status") == "IN_SERVICE"
    assert xml(s_rest.get("/User/1001")).findtext("state") == "NOT_READY"
    assert s_rest.put("/User/1001", "<User><state>READY</state></User>", "via-secondary").status_code == 202
    assert user_update(s_sub, "1001", "via-secondary").find("data/user/state") == "READY"
    # the out-of-service node publishes nothing meanwhile
    assert not [x for x in p_sub.drain() if x.node == f"{API}/User/1001"]

    finesse_emulator.put_in_service("primary")
    system_info(p_sub, "IN_SERVICE")
    # Finesse re-publishes the last agent state once back in service
    assert user_update(p_sub, "1001", state="READY").request_id == ""
    assert p_rest.get("/User/1001").status_code == 200
    assert p_sub.presence[FINESSE] == "available"


def test_primary_stopped_then_started(finesse_emulator, finesse, xmpp):
    p_sub, s_sub = xmpp("1001", "primary"), xmpp("1001", "secondary", resource="other")
    p_rest, s_rest = finesse("1001", "primary"), finesse("1001", "secondary")
    login(p_rest, "1001", "l")
    user_update(p_sub, "1001", "l")
    primary = finesse_emulator.primary
    port, xmpp_port = primary.rest_port, primary.xmpp_port

    finesse_emulator.stop_node("primary")
    wait_until(lambda: p_sub.disconnected, what="the primary's XMPP connection to drop")
    assert p_sub.presence[FINESSE] == "unavailable"   # told before the connection dropped
    assert refused(primary)
    assert not s_sub.disconnected and s_sub.presence[FINESSE] == "available"
    assert s_rest.put("/User/1001", "<User><state>READY</state></User>", "during").status_code == 202
    user_update(s_sub, "1001", "during")

    finesse_emulator.start_node("primary")
    assert (primary.rest_port, primary.xmpp_port) == (port, xmpp_port)
    info = xml(p_rest.get("/SystemInfo"))
    assert info.findtext("status") == "IN_SERVICE"
    back = xmpp("1001", "primary", resource="back")  # reconnects, sees finesse AVAILABLE
    assert back.presence[FINESSE] == "available"
    assert xml(p_rest.get("/User/1001")).findtext("state") == "READY"  # one model: state survived
    assert p_rest.put("/User/1001", "<User><state>NOT_READY</state></User>", "after").status_code == 202
    # arrives without subscribing: the restarted Prosody got its nodes and automatic subscriptions again
    assert user_update(back, "1001", "after").find("data/user/state") == "NOT_READY"


def test_web_app_down_keeps_xmpp_up(finesse_emulator, finesse, xmpp):
    p_sub = xmpp("1001", "primary")
    finesse_emulator.stop_webapp("primary")
    p_sub.wait_presence(FINESSE, "unavailable")
    assert refused(finesse_emulator.primary)
    assert not p_sub.disconnected
    finesse_emulator.start_node("primary")
    p_sub.wait_presence(FINESSE, "available")
    assert finesse("1001", "primary").get("/User/1001").status_code == 200


def test_notification_service_down_keeps_rest_up(finesse_emulator, finesse, xmpp):
    p_sub = xmpp("1001", "primary")
    finesse_emulator.stop_xmpp("primary")
    wait_until(lambda: p_sub.disconnected, what="XMPP to drop")
    assert finesse("1001", "primary").get("/User/1001").status_code == 200
    finesse_emulator.start_node("primary")
    again = xmpp("1001", "primary", resource="again")
    login(finesse("1001", "primary"), "1001", "again")
    user_update(again, "1001", "again")


def test_cti_failover_takes_both_nodes_out_of_service(finesse_emulator, finesse, xmpp):
    subs = {name: xmpp("1002", name, resource=name) for name in ("primary", "secondary")}
    login(finesse("1002"), "1002", "l")
    user_update(subs["primary"], "1002", "l")
    finesse_emulator.model.set_status("OUT_OF_SERVICE")
    for name, sub in subs.items():
        system_info(sub, "OUT_OF_SERVICE")
        assert_api_error(finesse("1002", name).get("/User/1002"), 503, "Service Unavailable",
                         "SERVER_OUT_OF_SERVICE")
    finesse_emulator.model.set_status("IN_SERVICE")
    for name, sub in subs.items():
        system_info(sub, "IN_SERVICE")
        assert user_update(sub, "1002", state="NOT_READY").request_id == ""  # re-published
        assert finesse("1002", name).get("/User/1002").status_code == 200
