"""Team, Queue, User Queues, phone books and contacts; Team and Queue notifications
need an explicit subscription by the client (full JID)."""
from __future__ import annotations

import pytest

from . import reference_samples as R
from .helpers import API, assert_api_error, dialog_update, login, user_update, xml

BOTH = pytest.mark.parametrize("finesse_emulator", ["UCCE", "UCCX"], indirect=True)


@BOTH
def test_team_for_its_supervisor(finesse_emulator, finesse):
    sup = finesse("1100")
    login(finesse("1001"), "1001")
    r = sup.get("/Team/1")
    assert r.status_code == 200
    team = xml(r)
    assert R.missing_paths(R.TEAM, team) == set()
    assert team.findtext("name") == "Sales" and team.findtext("uri") == f"{API}/Team/1"
    members = {u.findtext("loginId"): u.findtext("state") for u in team.findall("users/User")}
    assert members["1001"] == "NOT_READY" and members["1002"] == "LOGOUT"
    signed_in = xml(sup.get("/Team/1", params={"includeLoggedOutAgents": "false"}))
    assert [u.findtext("loginId") for u in signed_in.findall("users/User")] == ["1001"]
    assert_api_error(finesse("1001").get("/Team/1"), 401, "Invalid Supervisor", data="1")
    assert_api_error(sup.get("/Team/77"), 404, "Not Found", data="77")
    assert_api_error(sup.get("/Team/1", params={"includeLoggedOutAgents": "maybe"}), 400, "Invalid Input")


@BOTH
def test_team_notifications_need_an_explicit_subscription(finesse_emulator, finesse, xmpp):
    sup_sub = xmpp("1100")
    login(finesse("1002"), "1002", "before")
    sup_sub.subscribe(f"{API}/Team/1/Users", finesse_emulator.xmpp_pubsub_domain)
    assert finesse("1001").put("/User/1001", "<User><state>LOGIN</state><extension>1001</extension></User>",
                               "member-login").status_code == 202
    n = sup_sub.wait_for(lambda n: n.node == f"{API}/Team/1/Users" and n.find("data/user/loginId") == "1001",
                         what="team member notification")
    # the guide's Team notification: source the member's User, data its summary User
    # (no extension, no pendingState)
    assert n.event == "PUT" and n.source == f"{API}/User/1001" and n.request_id == ""
    assert n.find("data/user/extension") is None and n.find("data/user/pendingState") is None
    assert n.find("data/user/state") == "NOT_READY"
    # 1002's login happened before the subscription: nothing about it arrived
    assert not any(x.node.startswith(f"{API}/Team/") and x.find("data/user/loginId") == "1002"
                   for x in sup_sub.drain())


@BOTH
def test_queue_statistics_and_notifications(finesse_emulator, finesse, xmpp):
    f = finesse("1001")
    r = f.get("/Queue/1")
    assert r.status_code == 200
    q = xml(r)
    assert q.findtext("name") == "Sales" and q.findtext("uri") == f"{API}/Queue/1"
    if finesse_emulator.flavour == "UCCE":
        assert [c.tag for c in q.find("statistics")] == list(R.QUEUE_UCCE_FIELDS)
    else:
        assert [c.tag for c in q.find("statistics/SnapShot")] == list(R.QUEUE_UCCX_SNAPSHOT)
        assert [c.tag for c in q.find("statistics/SinceMidNight")] == list(R.QUEUE_UCCX_SINCE_MIDNIGHT)
    mine = xml(f.get("/User/1001/Queues"))
    assert mine.tag == "Queues" and [x.findtext("id") for x in mine] == ["1"]
    assert_api_error(f.get("/Queue/99"), 404, "Not Found", data="99")

    sub = xmpp("1100")
    sub.subscribe(f"{API}/Queue/1", finesse_emulator.xmpp_pubsub_domain)
    finesse_emulator.model.inbound_call()  # nobody READY: the call waits in the queue
    waiting = "statistics/callsInQueue" if finesse_emulator.flavour == "UCCE" else "statistics/SnapShot/WaitingCalls"
    n = sub.wait_for(lambda n: n.node == f"{API}/Queue/1" and n.find(f"data/Queue/{waiting}") == "1",
                     what="queue statistics notification")
    assert n.event == "PUT" and n.source == f"{API}/Queue/1"


def test_phonebooks_ranges_and_contacts(finesse_emulator, finesse):
    f = finesse("1001")
    r = f.get("/User/1001/PhoneBooks")
    assert r.status_code == 200
    books = xml(r)
    assert [(b.findtext("name"), b.findtext("type")) for b in books] == [
        ("Company Directory", "GLOBAL"), ("Sales Customers", "TEAM")]
    assert R.missing_paths(R.PHONEBOOK, books[0]) == set()
    r = f.get("/User/1001/PhoneBooks", headers={"Range": "objects=1-1"})
    assert r.status_code == 206 and r.headers["Content-Range"] == "objects 1-1/2"
    assert len(xml(r)) == 1
    for bad in ("objects=0-5", "objects=1-6001", "objects=3-2", "bytes=1-2"):
        assert_api_error(f.get("/User/1001/PhoneBooks", headers={"Range": bad}), 416, "Invalid Input")

    team_books = xml(finesse("1100").get("/TeamResource/1/PhoneBooks"))
    assert [b.findtext("uri") for b in team_books] == [f"{API}/PhoneBook/2"]
    assert xml(f.get("/TeamResource/1/PhoneBooks"))[0].findtext("name") == "Sales Customers"  # own team
    assert_api_error(f.get("/TeamResource/9/PhoneBooks"), 404, "Not Found")

    r = f.get("/PhoneBook/2/Contacts")
    assert r.status_code == 200 and R.missing_paths(R.CONTACTS, r.text) == set()
    contacts = xml(r)
    assert [c.findtext("lastName") for c in contacts][:2] == ["Doe", "Roe"]
    assert contacts[0].findtext("uri") == f"{API}/PhoneBook/2/Contact/1"
    r = f.get("/PhoneBook/2/Contacts", headers={"Range": "objects=2-3"})
    assert r.status_code == 206 and [c.findtext("lastName") for c in xml(r)] == ["Roe", "Mustermann"]
    assert_api_error(f.get("/PhoneBook/404/Contacts"), 404, "Not Found")


def test_dialog_reads(finesse_emulator, finesse, xmpp):
    f, sub = finesse("1001"), xmpp("1001")
    login(f, "1001", "l")
    assert f.put("/User/1001", "<User><state>READY</state></User>", "r").status_code == 202
    user_update(sub, "1001", "r")
    did = finesse_emulator.model.inbound_call()
    dialog_update(sub, "1001", "POST", dialog_id=did)
    assert xml(f.get(f"/Dialog/{did}")).findtext("id") == did
    assert_api_error(finesse("1002").get(f"/Dialog/{did}"), 404, "Dialog Not Found", data=did)
    assert_api_error(f.get("/Dialog/1"), 404, "Dialog Not Found")
