"""The spec's error table (gc-json-api.txt, "Errors"), every code produced through a real
socket (issue 11, must-hold 3): each in the situation the spec or Cisco's documentation
gives for it, on the sim or on GC's Finesse backend over the emulator, and passed to
the client with the spec's origin.

Every errorDescription starts with the spec's description word for word; where GC
knows the specific problem it follows after a colon (docs/protocol.md, Errors:
"Extension is not valid (contains alphabetic characters): extension must be digits
only."), a sentence, never a raw pattern.

The CTI codes no simulated situation produces are injected in the emulator's model
(gc_sim/model/faults.py) on the operation Finesse answers them to.
"""
from __future__ import annotations

import re

import pytest
import requests

from gc_core.testing import GCProcess, event_obj
from tests.expected import SPEC_ERRORS, described
from tests.support import sim_config

from .conftest import start_world
from .harness import PASSWORD, Desk
from .rows import Ctx, s_consulted, s_ready, s_signed_in, s_talking, s_talking_with_peer

# The spec's error table, as written there: code -> (origin, description)
# (test_every_code_of_the_spec_is_produced_above reads it back from the spec's text).
SPEC = SPEC_ERRORS


def check(err: dict, code: str) -> None:
    """The spec's code and origin; errorDescription starts with the spec's description,
    word for word, and whatever GC adds after it is a sentence, never a raw pattern."""
    origin, description = SPEC[code]
    assert err["type"] == "Error" and err["errorCode"] == code, err
    assert err["errorOrigin"] == origin, err
    text = err["errorDescription"]
    assert text.startswith(description), err
    rest = text[len(description):]
    assert rest == "" or rest.startswith((": ", " ")) and len(rest) > 3, err
    assert not re.search(r"[\^$\\\[\]]|\(\?", rest), err


# -- the worlds ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sim(site_path, tmp_path_factory):
    w, cleanup = start_world("sim", "UCCE", site_path, tmp_path_factory.mktemp("err-sim"))
    yield w
    cleanup()


@pytest.fixture(scope="module")
def sim_uccx(site_path, tmp_path_factory):
    w, cleanup = start_world("sim", "UCCX", site_path, tmp_path_factory.mktemp("err-sim-x"))
    yield w
    cleanup()


@pytest.fixture(scope="module")
def emulator(site_path, tmp_path_factory):
    w, cleanup = start_world("emulator", "UCCE", site_path, tmp_path_factory.mktemp("err-emu"))
    yield w
    cleanup()


@pytest.fixture
def lone_emulator(site_path, tmp_path_factory):
    """A world of its own, for tests that take its Finesse down."""
    w, cleanup = start_world("emulator", "UCCE", site_path, tmp_path_factory.mktemp("err-emu-lone"))
    yield w
    cleanup()


@pytest.fixture
def opened():
    contexts = []
    yield contexts
    for c in contexts:
        for d in [c.desk] + c.opened:
            d.close()


def new(world, opened) -> Ctx:
    team = world.teams.take()
    c = Ctx(world, team, Desk(world, team.agents[0], "legacy"))
    opened.append(c)
    return c


def error(c: Ctx) -> dict:
    return c.desk.expect("Error", "*")


# -- Finesse's codes on the sim ------------------------------------------------------------------
def test_cf_invalid_called_device(sim, opened):
    c = new(sim, opened)
    s_talking(c)
    c.desk.client.send(f"Transfer_sst#{c.agent.id}|12,{c.dialog}")  # no such device
    check(error(c), "CF_INVALID_CALLED_DEVICE")


def test_cf_agent_account_locked_out_and_subscription_failed(sim, opened):
    c = new(sim, opened)
    a = c.agent
    c.desk.client.send(f"Hello#{c.desk.destination}")
    c.desk.expect("System")
    for _ in range(5):  # Finesse locks an account after repeated bad passwords
        c.desk.client.send(f"Connect#{a.id}|{c.desk.destination},wrong")
        check(error(c), "SUBSCRIPTION_FAILED")
    c.desk.client.send(f"Connect#{a.id}|{c.desk.destination},{PASSWORD}")
    check(error(c), "CF_AGENT_ACCOUNT_LOCKED_OUT")


def test_cf_resource_busy(sim_uccx, opened):
    c = new(sim_uccx, opened)
    s_talking(c)
    # UCCX, talking on an ICD call: READY is 265 CF_INVALID_AGENT_WORKMODE, NOT_READY 33
    # (Finesse guide 12.5(1), User - Change Agent State)
    c.desk.client.send(f"MakeNotReady#{c.agent.id}")
    check(error(c), "CF_RESOURCE_BUSY")


def test_cf_invalid_logon_device_specified(sim, opened):
    c = new(sim, opened)
    c.desk.connect()
    c.desk.client.send(f"Login#{c.agent.id}|{PASSWORD},99999")  # no such phone
    check(error(c), "CF_INVALID_LOGON_DEVICE_SPECIFIED")


def test_cf_invalid_object_state(sim, opened):
    c = new(sim, opened)
    s_ready(c)
    c.desk.client.send(f"Logout#{c.agent.id}")  # UCCE signs out only from NOT_READY
    check(error(c), "CF_INVALID_OBJECT_STATE")


def test_cf_invalid_password_specified(sim, opened):
    c = new(sim, opened)
    c.desk.connect()
    c.desk.client.send(f"Login#{c.agent.id}|wrong,{c.agent.ext}")
    check(error(c), "CF_INVALID_PASSWORD_SPECIFIED")


def test_user_not_found(sim, opened):
    c = new(sim, opened)
    c.desk.client.send(f"Connect#77777|{c.desk.destination},{PASSWORD}")
    check(error(c), "USER_NOT_FOUND")


def test_general_error(sim, opened):
    c = new(sim, opened)
    s_consulted(c)
    # completing the transfer on behalf of another extension: Finesse's Invalid Input
    c.desk.client.send(f"TransferCall#{c.agent.id}|{c.peer.agent.ext},{c.dialog}")
    check(error(c), "GENERAL_ERROR")


def test_bad_destination(sim, opened):
    c = new(sim, opened)
    s_signed_in(c)
    c.desk.client.send(f"MakeCall#{c.agent.id}|{c.agent.ext}")
    check(error(c), "BAD_DESTINATION")


# -- GC's own codes ------------------------------------------------------------------------------
@pytest.mark.parametrize("frame, code", [
    ("Login#{a}|{p}", "MISSING_EXTENSION"),
    ("MakeCall#{a}", "MISSING_NUMBER"),
    ("Login#{a}|,{a}", "MISSING_PASSWORD"),
    ("MakeNotReadyWithReason#{a}", "MISSING_REASON_CODE"),
    ("HoldCall#{a}|31337", "NO_DIALOG_ID"),
    ("Login#{a}|{p},10a1", "WRONG_EXTENSION"),
    ("Dance#{a}", "PLEASE_RETRY"),
])
def test_gc_checks(sim, opened, frame, code):
    c = new(sim, opened)
    s_signed_in(c)
    c.desk.client.send(frame.format(a=c.agent.id, p=PASSWORD))
    check(error(c), code)


def test_session_invalidated(sim, opened):
    c = new(sim, opened)
    s_signed_in(c)
    other = Desk(sim, c.agent, "legacy")
    c.opened.append(other)
    other.client.send(f"Connect#{c.agent.id}|{other.destination},{PASSWORD}")
    assert c.desk.expect("State", None)["state"] == "LOGOUT"
    err = error(c)
    check(err, "SESSION_INVALIDATED")
    assert err["request"] == {"category": "agent_info", "type": "Connect"}


def test_licenses_exceeded(tmp_path):
    with GCProcess(sim_config(gc={"licensed_agents": 1}), workdir=tmp_path) as gc, gc.client("tcp") as client:
        client.send("Hello#lic")
        client.expect("System")
        client.send("Connect#1001|lic,secret")
        client.send({"type": "GetState", "agentId": "1001", "requestId": "one"})
        client.expect("State", requestId="one")
        client.send("Connect#1002|lic,secret")
        check(client.expect("Error"), "LICENSES_EXCEEDED")


# -- Finesse's CTI codes no situation of the model produces: injected on the emulator ------------
INJECTED = [
    # (code, operation Finesse answers it to, the row's situation, the frame)
    ("CF_INVALID_CALLING_DEVICE", "MAKE_CALL", s_signed_in, "MakeCall#{a}|5550123"),
    ("CF_INVALID_CONNECTION_ID_FOR_ACTIVE_CALL", "TRANSFER", s_consulted, "TransferCall#{a}|{x},{d}"),
    ("CF_INVALID_CONSULT_TYPE", "CONSULT_CALL", s_talking_with_peer, "ConsultCall#{a}|{p},{d}"),
    ("CF_INVALID_CSTA_DEVICE_IDENTIFIER", "LOGIN", lambda c: c.desk.connect(), "Login#{a}|secret,{x}"),
    ("CF_GENERIC_SYSTEM_RESOURCE_AVAILABILITY", "ANSWER", None, "AnswerCall#{a}|{d}"),
    ("E_CTI_INVALID_CALLID", "HOLD", s_talking, "HoldCall#{a}|{d}"),
    ("CF_GENERIC_OPERATION", "RETRIEVE", None, "RetrieveCall#{a}|{d}"),
    ("CF_GENERIC_UNSPECIFIED_REJECTION", "DROP", s_talking, "ReleaseCall#{a}|{d}"),
]


def _ringing(c):
    s_ready(c)
    c.dialog = c.world.ring(c.team)
    c.desk.expect("InboundCall", "*", dialogId=c.dialog, state="ALERTING")
    c.desk.settle()


def _held(c):
    s_talking(c)
    rid = c.desk.ask("HoldCall", [("dialogId", c.dialog)])
    c.desk.expect("InboundCall", rid, state="HELD")
    c.desk.settle()


@pytest.mark.parametrize("code, operation, situation, frame", INJECTED, ids=[i[0] for i in INJECTED])
def test_injected_cti_errors(emulator, opened, code, operation, situation, frame):
    c = new(emulator, opened)
    situation = situation or {"ANSWER": _ringing, "RETRIEVE": _held}[operation]
    situation(c)
    emulator.cluster.model.inject_cti_error(c.agent.id, operation, code)
    c.desk.client.send(frame.format(a=c.agent.id, x=c.agent.ext, d=c.dialog,
                                    p=c.peer.agent.ext if c.peer else ""))
    err = error(c)
    check(err, code)
    assert "requestId" not in err and err["request"]["type"] == frame.split("#")[0], err
    # refused, not done: the agent's state is what it was
    rid = c.desk.ask("GetState")
    assert c.desk.expect("State", rid)["state"] in ("LOGOUT", "NOT_READY", "READY", "TALKING", "RESERVED", "HOLD")


def test_injection_is_refused_where_finesse_does_not_answer_it(emulator):
    with pytest.raises(ValueError):
        emulator.cluster.model.inject_cti_error("30101", "LOGIN", "E_CTI_INVALID_CALLID")
    with pytest.raises(ValueError):
        emulator.cluster.model.inject_cti_error("30101", "HOLD", "CF_NO_SUCH_CODE")


# -- Finesse unavailable ---------------------------------------------------------------------------
def test_not_reachable_when_finesse_stops_answering(tmp_path):
    """A Finesse node whose REST side accepts and never answers (a BlackHoleProxy in front
    of the emulator's web application, black-holed once the agent is signed in, so GC's
    pooled keep-alive connections to it stay open and silent): the agent's next command
    is refused with NOT_REACHABLE (the spec: "SocketTimeoutException Timeout exception
    on connecting to Finesse via Requester") within the configured read timeout, and
    every later one too; none hangs."""
    from gc_finesse_emulator.blackhole import BlackHoleProxy
    from gc_finesse_emulator.cluster import EmulatorCluster
    from tests.finesse.harness import finesse_config

    with EmulatorCluster.start(flavour="UCCE", secondary=False) as cluster:
        proxy = BlackHoleProxy((cluster.primary.host, cluster.primary.rest_port))
        try:
            config = finesse_config(cluster, secondary=False, read_timeout=1.0, connect_timeout=1.0,
                                    health_interval=0.0)
            config["finesse"]["primary_port"] = proxy.port
            with GCProcess(config, workdir=tmp_path) as gc, gc.client("tcp") as client:
                client.send({"type": "Hello", "params": {"clientDestination": "nr"}})
                assert client.expect("System")["status"] == "IN_SERVICE"
                client.send({"type": "Connect", "agentId": "1001",
                             "params": {"clientDestination": "nr", "password": PASSWORD}})
                client.send({"type": "Login", "agentId": "1001", "requestId": "login",
                             "params": {"password": PASSWORD, "extension": "1001"}})
                client.expect("AgentInfo", requestId="login")
                proxy.black_hole()
                client.send({"type": "MakeReady", "agentId": "1001", "requestId": "ready"})
                err = client.expect("Error", requestId="ready", timeout=30)
                check(err, "NOT_REACHABLE")
                assert err["request"] == {"category": "agent_state", "type": "MakeReady"}, err
                # the legacy form too, and a read (GETs are retried, then refused): no hang
                client.send("MakeNotReady#1001")
                err = client.expect(lambda e: event_obj(e).get("type") == "Error" and "requestId" not in e,
                                    timeout=30)
                assert err["errorCode"] in ("NOT_REACHABLE", "DOWN"), err
                check(err, err["errorCode"])
        finally:
            proxy.close()


def test_down_when_finesse_is_out_of_service(lone_emulator, opened):
    c = new(lone_emulator, opened)
    s_signed_in(c)
    lone_emulator.cluster.take_out_of_service("primary", reason="CTI link lost")
    assert c.desk.expect("System", None)["status"] == "OUT_OF_SERVICE"
    c.desk.client.send(f"MakeReady#{c.agent.id}")
    check(error(c), "DOWN")


def test_unable_to_subscribe_when_finesse_drops_the_credentials(lone_emulator, opened):
    """Finesse locks the account while the agent is connected (someone kept trying bad
    passwords): its next request is refused and GC ends the agent's session."""
    c = new(lone_emulator, opened)
    s_signed_in(c)
    url = lone_emulator.cluster.primary.rest_url + f"/User/{c.agent.id}"
    for _ in range(5):
        requests.get(url, auth=(c.agent.id, "wrong"), timeout=10)
    c.desk.client.send(f"MakeReady#{c.agent.id}")
    got = [error(c), error(c)]
    codes = [e["errorCode"] for e in got]
    assert "UNABLE_TO_SUBSCRIBE_TO_FINESSE" in codes, got
    check(next(e for e in got if e["errorCode"] == "UNABLE_TO_SUBSCRIBE_TO_FINESSE"), "UNABLE_TO_SUBSCRIBE_TO_FINESSE")


def test_every_code_of_the_spec_is_produced_above():
    """The table above is the spec's (read from its text) and each code has a test here."""
    from pathlib import Path
    here = Path(__file__).resolve()
    spec = next(p for p in (here.parents[2] / "shared", here.parents[3] / "shared")
                if (p / "spec" / "gc-json-api.txt").exists()) / "spec" / "gc-json-api.txt"
    errors = spec.read_text(encoding="utf-8").split("Error_CodeError_Origin")[1]
    listed = re.findall(r"^([A-Z][A-Z_]+?)(Finesse|GC|IOException)", errors, re.M)
    assert {code for code, _o in listed} == set(SPEC)
    assert all(SPEC[code][0] == origin for code, origin in listed)
    flat = " ".join(errors.split())
    for code, (origin, description) in SPEC.items():  # the spec's words (a line break is a space)
        assert re.search(re.escape(code + origin) + r"\s*" + re.escape(description), flat), code
    source = here.read_text()
    for code in SPEC:
        assert source.count(f'"{code}"') >= 1, f"{code} is produced by no test"
