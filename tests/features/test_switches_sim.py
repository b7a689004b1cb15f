"""Issue #6, point 2: each feature plugin is switched on and off in configuration
(``gc.plugins``). Off, its commands answer an Error naming the plugin and the setting
(CF_GENERIC_UNSPECIFIED_REJECTION from GC: a retry cannot help; issue 16) and nothing
else changes; on, they work, independently of each other. (The flavour side,
UCCX not offering UCCE-only commands, is checked in the supervisor and outbound
modules, which run both flavours.)"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from gc_core.testing import GCProcess, event_obj

from .helpers import Customer, Desk, Team, error_view, sim_config
from tests.expected import described

FEATURE_COMMANDS = {
    "supervisor": {"getqueuelist": None, "silentmonitor": {"agentExtension": "60101"},
                   "endsilentmonitor": {"dialogId": "1"},
                   "dropparticipant": {"agentExtension": "60101", "dialogId": "1"},
                   "getteamusers": {"teamId": "601"}, "getteamuserstate": {"teamAgentLoginId": "60101"},
                   "bargein": {"teamAgentLoginId": "60101", "dialogId": "1"}},
    "phonebooks": {"GetPhonebooks": None, "GetTeamPhonebooks": {"teamId": "601"},
                   "GetPhonebookContacts": {"phonebookId": "1"}},
    "outbound": {"AcceptOutboundPreview": {"dialogId": "1"}, "RejectOutboundPreview": {"dialogId": "1"},
                 "CloseOutboundPreview": {"dialogId": "1"},
                 "SHCEDULECALLBACK": {"targetMediaAddress": "60101", "dialogId": "1",
                                      "callbackTime": "2030-01-01T10:00", "callbackNumber": ""},
                 "SCHEDULECALLBACK": {"targetMediaAddress": "60101", "dialogId": "1",
                                      "callbackTime": "2030-01-01T10:00", "callbackNumber": ""},
                 "UPDATECALLBACK": {"targetMediaAddress": "60101", "dialogId": "1",
                                    "callbackTime": "2030-01-01T10:00", "callbackNumber": ""},
                 "CANCELSHCEDULECALLBACK": {"targetMediaAddress": "60101", "dialogId": "1"},
                 "CANCELSCHEDULECALLBACK": {"targetMediaAddress": "60101", "dialogId": "1"},
                 "RECLASSIFYCALL": {"targetMediaAddress": "60101", "dialogId": "1", "value": "FAX"}},
    "zoom": {"ZOOMPauseRecording": None, "ZOOMResumeRecording": None},
}
HALF = ["supervisor", "zoom"]  # on in the second process; phonebooks and outbound off there


@pytest.fixture(scope="module")
def p_off(site, tmp_path_factory):
    with GCProcess(sim_config(site, "UCCE", plugins=[]), workdir=tmp_path_factory.mktemp("gc-off")) as p:
        yield p


@pytest.fixture(scope="module")
def p_half(site, tmp_path_factory):
    # zoom on but not configured
    with GCProcess(sim_config(site, "UCCE", plugins=HALF), workdir=tmp_path_factory.mktemp("gc-half")) as p:
        yield p


def not_enabled(plugin: str) -> str:
    return (f"is provided by the plugin {plugin!r}, which is not enabled here: add \"{plugin}\" to the "
            "gc.plugins setting.")


def unknown(gc: GCProcess, plugin: str) -> None:
    """Every command of ``plugin`` answers the router's not-enabled Error, in both frame forms."""
    with gc.client("tcp") as c:
        for i, (command, params) in enumerate(FEATURE_COMMANDS[plugin].items()):
            frame = {"type": command, "agentId": "60101", "requestId": f"u{i}"}
            if params is not None:
                frame["params"] = params
            c.send(frame)
            ev = c.recv()
            description = ev.pop("errorDescription")
            assert ev == {"type": "Error", "agentId": "60101", "errorCode": "CF_GENERIC_UNSPECIFIED_REJECTION",
                          "errorOrigin": "GC", "request": {"type": command}, "requestId": f"u{i}"}
            assert description.endswith(not_enabled(plugin))
            c.send(f"{command}#60101")
            legacy = event_obj(c.recv())
            assert legacy["errorCode"] == "CF_GENERIC_UNSPECIFIED_REJECTION"
            assert legacy["errorDescription"] == description


@pytest.mark.parametrize("plugin", sorted(FEATURE_COMMANDS))
def test_a_plugin_switched_off_answers_which_plugin_to_enable(p_off, plugin):
    unknown(p_off, plugin)


@pytest.mark.parametrize("plugin", sorted(set(FEATURE_COMMANDS) - set(HALF)))
def test_plugins_switched_off_next_to_others_switched_on(p_half, plugin):
    unknown(p_half, plugin)


def test_plugins_switched_on_next_to_others_switched_off(p_half):
    team = Team("601")
    sup = Desk(p_half, team.supervisor)
    try:
        sup.login()
        r, events = sup.do("getteamusers", {"teamId": team.id})
        assert [e[0]["type"] for e in events] == ["TeamAgents"]
        # zoom is on but not configured: a clear Error, Zoom not asked
        r, events = sup.do("ZOOMPauseRecording")
        assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "CF_GENERIC_UNSPECIFIED_REJECTION",
                                                    "errorOrigin": "GC", "agentId": team.supervisor.id,
                                                    "requestId": r}]
        assert events[0]["errorDescription"] == described(
            "CF_GENERIC_UNSPECIFIED_REJECTION", "Zoom is not configured: set zoom.account_id, zoom.client_id and "
            "zoom.client_secret (or zoom.client_secret_file); `gc config example features` shows them")
    finally:
        sup.close()


def script(gc: GCProcess, team: Team) -> list:
    """An agent's day without any feature command: every event both desks received."""
    sup, agent, cust = Desk(gc, team.supervisor), Desk(gc, team.agents[0]), Customer(gc)
    out = []
    try:
        sup.login()
        agent.login(ready=True)
        dialog = cust.call(team)
        out += agent.sync()
        for command, params in [("AnswerCall", {"dialogId": dialog}), ("HoldCall", {"dialogId": dialog}),
                                ("RetrieveCall", {"dialogId": dialog}), ("ReleaseCall", {"dialogId": dialog}),
                                ("reasoncodenotready", None), ("getallagents", None),
                                ("MakeNotReadyWithReason", {"reasonCode": "8"})]:
            out += agent.do(command, params)[1]
        out += sup.do("MakeReady", agent_id=team.agents[0].id)[1]   # a supervisor's command on a member
        out += agent.sync()
        out += sup.do("Logout", agent_id=team.agents[0].id)[1]
        out += agent.sync() + sup.sync()
    finally:
        for d in (sup, agent, cust):
            d.close()
    return out


def normalised(events: list) -> str:
    text = json.dumps(events)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<TIME>", text)
    return re.sub(r'"(\w+)-\d+"', r'"\1-<N>"', text)  # requestIds of the helpers


def test_nothing_else_changes(p_off, p_half):
    """The same agent and supervisor session, with features off and with some on: the same events."""
    off, half = script(p_off, Team("699")), script(p_half, Team("699"))
    assert [event_obj(e)["type"] for e in off] == [
        "NewInboundCall", "InboundCall", "State",        # the call rings
        "InboundCall", "State",                          # AnswerCall
        "InboundCall", "State",                          # HoldCall (UCCE: HOLD)
        "InboundCall", "State",                          # RetrieveCall
        "InboundCall", "State",                          # ReleaseCall
        "ReasonCodes", "Agents", "State",                # reason codes, agents, NOT_READY Break
        "State", "State",                                # the supervisor's MakeReady: to it, to the agent
        "State", "State"]                                # the supervisor's Logout: to it, to the agent
    assert normalised(off) == normalised(half)


def test_gc_plugins_shows_what_each_plugin_provides(p_half):
    out = subprocess.run([sys.executable, "-m", "gc_core.cli", "plugins", "--json", "--config",
                          str(p_half.config_path)], capture_output=True, text=True, timeout=60, check=True).stdout
    plugins = {p["name"]: p for p in json.loads(out)["plugins"]}
    assert sorted(plugins["supervisor"]["commands"]) == sorted(FEATURE_COMMANDS["supervisor"])
    assert plugins["supervisor"]["config"] == {"supervisor": {"queue_stats_shape": "auto", "queue_updates": True,
                                                              "include_logged_out": True}}
    assert plugins["zoom"]["config"]["zoom"]["client_secret"] == "***"
    assert "phonebooks" not in plugins and "outbound" not in plugins
    assert {"phonebooks", "outbound"} <= set(json.loads(out)["installed"])


def test_the_example_configuration_enables_every_feature():
    from gc_core.resources import conf_dir
    out = subprocess.run([sys.executable, "-m", "gc_core.cli", "plugins", "--json", "--config",
                          str(conf_dir() / "example-features.toml")], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    plugins = {p["name"]: p for p in json.loads(out)["plugins"]}
    assert {"supervisor", "phonebooks", "outbound", "zoom"} <= set(plugins)
    assert plugins["zoom"]["config"]["zoom"]["client_secret"] == "***"
    assert plugins["outbound"]["config"]["outbound"]["uccx_accept_action"] == "ANSWER"
