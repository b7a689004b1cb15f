"""Issue #6, zoom plugin, through real sockets against the Zoom stand-in
(gc_zoom.standin, a local HTTP server implementing Zoom's OAuth and recording
endpoints and their errors): ZOOMPauseRecording / ZOOMResumeRecording for an
engagement or a meeting named by the agent's call or by configuration; the token
cache and its refresh; Zoom's 4xx / 5xx and timeouts as Error events; the client
secret in no log line and masked by ``gc plugins``."""
from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys

import pytest

from gc_core.testing import GCProcess
from gc_zoom.client import ZoomClient
from gc_zoom.standin import ZoomStandIn

from .helpers import Team, error_view, sim_config
from tests.expected import described

SECRET = "zoom-s3cr3t-do-not-log-4f9a"
ENGAGEMENT, OTHER_ENGAGEMENT, MEETING = "eng-1", "eng-2", "85746065432"
CONFIGURED = Team("700")  # its agents have Zoom targets in the configuration (no test takes it)


@pytest.fixture(scope="module")
def zoom():
    with ZoomStandIn(client_secret=SECRET, engagements=[ENGAGEMENT, OTHER_ENGAGEMENT], meetings=[MEETING]) as z:
        yield z


@pytest.fixture(scope="module")
def gc(site, zoom, tmp_path_factory):
    work = tmp_path_factory.mktemp("gc-zoom")
    targets = work / "zoom-targets.toml"
    targets.write_text(f'[zoom.agent_targets]\n"{CONFIGURED.agents[0].id}" = "meeting:{MEETING}"\n'
                       f'"{CONFIGURED.agents[1].id}" = "{OTHER_ENGAGEMENT}"\n')
    with GCProcess(sim_config(site, "UCCE", zoom=zoom.gc_config(timeout=1.0)), workdir=work,
                   extra_args=["--config", str(targets)]) as proc:
        proc.targets_file = targets
        yield proc


@pytest.fixture(autouse=True)
def _reset(zoom):
    zoom.expires_in = 3600
    yield
    zoom.engagements.update({ENGAGEMENT: "recording", OTHER_ENGAGEMENT: "recording"})
    zoom.meetings.update({MEETING: "recording"})


def on_call(team, desks, customer, target: str):
    """The team's first agent, signed in and talking on a call whose callVariable10 is ``target``."""
    desk = desks(team.agents[0])
    desk.login(ready=True)
    dialog = customer.call(team, callVariable10=target)
    desk.sync()
    desk.do("AnswerCall", {"dialogId": dialog})
    return desk


def recording(agent, value, kind, target_id, rid=None):
    out = {"type": "ZoomRecording", "agentId": agent.id, "recording": value,
           "target": {"kind": kind, "id": target_id}}
    if rid:
        out["requestId"] = rid
    return out


def seen_since(zoom, mark: int) -> list:
    return [(s.method, s.path, s.status) for s in zoom.requests()[mark:]]


ENG_PAUSE = f"/v2/contact_center/engagements/{ENGAGEMENT}/recording/pause"
ENG_RESUME = f"/v2/contact_center/engagements/{ENGAGEMENT}/recording/resume"


# -- the commands ---------------------------------------------------------------------------------
def test_pause_and_resume_the_engagement_of_the_agents_call(gc, zoom, team, desks, customer):
    desk = on_call(team, desks, customer, ENGAGEMENT)
    a = team.agents[0]
    r, events = desk.do("ZOOMPauseRecording")
    assert events == [recording(a, "PAUSED", "engagement", ENGAGEMENT, r)]
    assert zoom.engagements[ENGAGEMENT] == "paused"
    r, events = desk.do("ZOOMResumeRecording")
    assert events == [recording(a, "RECORDING", "engagement", ENGAGEMENT, r)]
    assert zoom.engagements[ENGAGEMENT] == "recording"
    # the spec's frames
    desk.client.send(f"ZOOMPauseRecording#{a.id}")
    assert desk.sync() == [recording(a, "PAUSED", "engagement", ENGAGEMENT)]
    desk.client.send({"category": "zoom", "type": "ZOOMResumeRecording", "agentId": a.id, "requestId": "z"})
    assert desk.sync() == [recording(a, "RECORDING", "engagement", ENGAGEMENT, "z")]


def test_a_meeting_named_by_the_call(gc, zoom, team, desks, customer):
    desk = on_call(team, desks, customer, f"meeting:{MEETING}")
    mark = len(zoom.requests())
    r, events = desk.do("ZOOMPauseRecording")
    assert events == [recording(team.agents[0], "PAUSED", "meeting", MEETING, r)]
    assert zoom.meetings[MEETING] == "paused"
    assert seen_since(zoom, mark)[-1] == ("PATCH", f"/v2/live_meetings/{MEETING}/events", 202)


def test_targets_from_configuration_and_none_at_all(gc, zoom, team, desks):
    a1, a2 = CONFIGURED.agents[0], CONFIGURED.agents[1]
    d1, d2 = desks(a1), desks(a2)
    d1.connect()  # no call at all: zoom.agent_targets names the target
    d2.connect()
    r, events = d1.do("ZOOMPauseRecording")
    assert events == [recording(a1, "PAUSED", "meeting", MEETING, r)]
    r, events = d2.do("ZOOMPauseRecording")
    assert events == [recording(a2, "PAUSED", "engagement", OTHER_ENGAGEMENT, r)]
    assert (zoom.meetings[MEETING], zoom.engagements[OTHER_ENGAGEMENT]) == ("paused", "paused")

    nobody = desks(team.agents[0])
    nobody.connect()
    mark = len(zoom.requests())
    r, events = nobody.do("ZOOMPauseRecording")
    assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
                                                "agentId": team.agents[0].id, "requestId": r}]
    assert events[0]["errorDescription"] == described(
        "PLEASE_RETRY", f"no Zoom recording to control: agent {team.agents[0].id} has no active call carrying "
        "callVariable10, and neither zoom.agent_targets nor zoom.target_id names one")
    assert seen_since(zoom, mark) == []  # Zoom was not asked


# -- the OAuth token -----------------------------------------------------------------------------
def test_the_token_is_cached(gc, zoom, team, desks, customer):
    desk = on_call(team, desks, customer, ENGAGEMENT)
    desk.do("ZOOMPauseRecording")  # a token exists from here on
    mark = len(zoom.requests())
    for command in ("ZOOMResumeRecording", "ZOOMPauseRecording", "ZOOMResumeRecording"):
        _r, events = desk.do(command)
        assert events[0]["type"] == "ZoomRecording"
    assert seen_since(zoom, mark) == [("PUT", ENG_RESUME, 204), ("PUT", ENG_PAUSE, 204), ("PUT", ENG_RESUME, 204)]
    tokens = {s.authorization for s in zoom.requests()[mark:]}
    assert len(tokens) == 1 and tokens.pop().startswith("Bearer standin-token-")


def test_an_expired_token_is_refreshed_without_failing_the_command(gc, zoom, team, desks, customer):
    desk = on_call(team, desks, customer, ENGAGEMENT)
    desk.do("ZOOMPauseRecording")
    zoom.expire_tokens()  # Zoom says the cached token expired
    mark = len(zoom.requests())
    r, events = desk.do("ZOOMResumeRecording")
    assert events == [recording(team.agents[0], "RECORDING", "engagement", ENGAGEMENT, r)]
    assert seen_since(zoom, mark) == [("PUT", ENG_RESUME, 401), ("POST", "/oauth/token", 200),
                                      ("PUT", ENG_RESUME, 204)]


def test_a_token_is_replaced_shortly_before_it_expires(gc, zoom, team, desks, customer):
    desk = on_call(team, desks, customer, ENGAGEMENT)
    zoom.expires_in = 60  # less than zoom.token_refresh_margin (120 s): due for replacement at once
    zoom.expire_tokens()
    desk.do("ZOOMPauseRecording")  # gets such a token
    mark = len(zoom.requests())
    r, events = desk.do("ZOOMResumeRecording")
    assert events == [recording(team.agents[0], "RECORDING", "engagement", ENGAGEMENT, r)]
    # a new token before the call: Zoom never refused one
    assert seen_since(zoom, mark) == [("POST", "/oauth/token", 200), ("PUT", ENG_RESUME, 204)]


# -- Zoom failures become Error events ------------------------------------------------------------
@pytest.mark.parametrize("status, body, code, message", [
    (400, {"code": 300, "message": "Recording is not in progress."}, "GENERAL_ERROR",
     "Recording is not in progress. (code 300)"),
    (403, {"code": 200, "message": "No permission."}, "GENERAL_ERROR", "No permission. (code 200)"),
    (429, {"code": 429, "message": "You have reached the maximum per-second rate limit for this API."},
     "PLEASE_RETRY", "You have reached the maximum per-second rate limit for this API. (code 429)"),
    (500, None, "GENERAL_ERROR", "Stand-in fault 500 (code 500)"),
    (503, {"code": 503, "message": "Service unavailable."}, "GENERAL_ERROR", "Service unavailable. (code 503)"),
])
def test_zoom_http_errors(gc, zoom, team, desks, customer, status, body, code, message):
    desk = on_call(team, desks, customer, ENGAGEMENT)
    zoom.fail_next(status, body, path="/v2/")
    r, events = desk.do("ZOOMPauseRecording")
    assert [error_view(e, "httpStatus") for e in events] == [{
        "type": "Error", "errorCode": code, "errorOrigin": "Zoom", "agentId": team.agents[0].id,
        "requestId": r, "httpStatus": status}]
    assert events[0]["errorDescription"] == described(code, f"Zoom answered {status} to recording pause of "
                                                            f"engagement {ENGAGEMENT}: {message}")
    assert zoom.engagements[ENGAGEMENT] == "recording"
    # the next request works again
    r, events = desk.do("ZOOMPauseRecording")
    assert events[0]["type"] == "ZoomRecording"


def test_an_unknown_engagement_is_zooms_404(gc, zoom, team, desks, customer):
    desk = on_call(team, desks, customer, "eng-404")
    r, events = desk.do("ZOOMResumeRecording")
    assert [error_view(e, "httpStatus") for e in events] == [{
        "type": "Error", "errorCode": "GENERAL_ERROR", "errorOrigin": "Zoom", "agentId": team.agents[0].id,
        "requestId": r, "httpStatus": 404}]
    assert events[0]["errorDescription"] == described("GENERAL_ERROR", "Zoom answered 404 to recording resume of "
                                                      "engagement eng-404: Engagement does not exist: eng-404. "
                                                      "(code 1001)")


def test_zoom_not_answering_in_time(gc, zoom, team, desks, customer):
    desk = on_call(team, desks, customer, ENGAGEMENT)
    zoom.delay_next(3.0, path="/v2/")  # zoom.timeout is 1 s here
    r, events = desk.do("ZOOMPauseRecording")
    assert [error_view(e, "httpStatus") for e in events] == [{
        "type": "Error", "errorCode": "NOT_REACHABLE", "errorOrigin": "Zoom", "agentId": team.agents[0].id,
        "requestId": r}]
    host = zoom.url.split("//")[1]
    assert events[0]["errorDescription"] == described("NOT_REACHABLE", f"Zoom ({host}) did not answer recording "
                                                      f"pause of engagement {ENGAGEMENT} within 1 s")


def test_oauth_refusals_and_timeouts(gc, zoom, team, desks, customer):
    desk = on_call(team, desks, customer, ENGAGEMENT)
    a = team.agents[0]
    zoom.expire_tokens()
    zoom.fail_next(401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
                   path="/oauth/token")
    r, events = desk.do("ZOOMPauseRecording")
    assert [error_view(e, "httpStatus") for e in events] == [{
        "type": "Error", "errorCode": "GENERAL_ERROR", "errorOrigin": "Zoom", "agentId": a.id, "requestId": r,
        "httpStatus": 401}]
    assert events[0]["errorDescription"] == described("GENERAL_ERROR", "Zoom answered 401 to the OAuth token "
                                                      "request: Invalid client_id or client_secret (invalid_client)")
    zoom.delay_next(3.0, path="/oauth/token")
    r, events = desk.do("ZOOMPauseRecording")
    assert [(e["errorCode"], e["errorOrigin"]) for e in events] == [("NOT_REACHABLE", "Zoom")]
    assert events[0]["errorDescription"].endswith("did not answer the OAuth token request within 1 s.")
    assert zoom.engagements[ENGAGEMENT] == "recording"
    r, events = desk.do("ZOOMPauseRecording")
    assert events == [recording(a, "PAUSED", "engagement", ENGAGEMENT, r)]


# -- the client on its own (no GC process): what a socket test cannot provoke -------------------
def test_client_unreachable_zoom_is_not_reachable():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    zc = ZoomClient(account_id="a", client_id="c", client_secret=SECRET,
                    oauth_url=f"http://127.0.0.1:{port}/oauth/token", api_url=f"http://127.0.0.1:{port}/v2",
                    timeout=1.0)
    with pytest.raises(Exception) as info:
        zc.set_recording("engagement", "e", paused=True)
    err = info.value
    assert (err.code, err.origin) == ("NOT_REACHABLE", "Zoom")
    assert err.description == described("NOT_REACHABLE", f"cannot reach Zoom (127.0.0.1:{port}) for the OAuth "
                                                         "token request: ConnectionError")
    assert SECRET not in repr(zc) and SECRET not in str(err)


# -- secrets ---------------------------------------------------------------------------------------
def test_the_client_secret_and_tokens_never_reach_a_log_line(gc, zoom):
    """Last in the module: GC ran every test above with log_level DEBUG (urllib3's
    request lines included)."""
    log = gc.log()
    assert "zoom: new access token" in log          # the log did record the Zoom traffic ...
    basic = base64.b64encode(f"{zoom.client_id}:{SECRET}".encode()).decode()
    for secret in [SECRET, basic] + list(zoom.tokens):  # ... but no secret, no Basic credentials, no token
        assert secret not in log


def test_gc_plugins_masks_the_client_secret(gc):
    args = [sys.executable, "-m", "gc_core.cli", "plugins", "--config", str(gc.config_path),
            "--config", str(gc.targets_file)]
    text = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout
    assert SECRET not in text
    zoom_line = next(line for line in text.splitlines() if line.strip().startswith("[zoom]"))
    assert '"client_secret": "***"' in zoom_line and '"client_id": "standin-client"' in zoom_line
    data = json.loads(subprocess.run(args + ["--json"], capture_output=True, text=True, timeout=60,
                                     check=True).stdout)
    assert SECRET not in json.dumps(data)
    zoom_plugin = next(p for p in data["plugins"] if p["name"] == "zoom")
    assert zoom_plugin["config"]["zoom"]["client_secret"] == "***"
    assert zoom_plugin["commands"] == ["ZOOMPauseRecording", "ZOOMResumeRecording"]


def test_the_standin_runs_on_its_own():
    """``python -m gc_zoom.standin`` for integrators: it prints where it listens and
    answers Zoom's token request."""
    import requests
    proc = subprocess.Popen([sys.executable, "-m", "gc_zoom.standin", "--port", "0", "--any-id",
                             "--client-secret", SECRET], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Zoom stand-in on http://127.0.0.1:")
        url = line.split()[3]
        resp = requests.post(f"{url}/oauth/token", auth=("standin-client", SECRET), timeout=10,
                             data={"grant_type": "account_credentials", "account_id": "standin-account"})
        assert resp.status_code == 200 and resp.json()["token_type"] == "bearer"
        token = resp.json()["access_token"]
        resp = requests.put(f"{url}/v2/contact_center/engagements/any/recording/pause", timeout=10,
                            headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 204
        resp = requests.post(f"{url}/oauth/token", auth=("standin-client", "wrong"), timeout=10,
                             data={"grant_type": "account_credentials", "account_id": "standin-account"})
        assert (resp.status_code, resp.json()) == (401, {"reason": "Invalid client_id or client_secret",
                                                         "error": "invalid_client"})
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
