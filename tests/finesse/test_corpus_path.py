"""(b) The Finesse payload corpus through the whole path: each payload is published
raw (its text, as Cisco documents it) on the emulator's real Prosody, on the agent's
node, to an agent connected and signed in through ``gc serve`` with the Finesse
backend; the client events are read on the WebSocket and must be the ones written
from the spec (tests/finesse_corpus/expected_events.py), the same as the in-process
replay (a) expects.

The corpus names its agents 1001001 / 1001002; here they are replaced by the test
agent's id (its extension is the same), the only change made to a payload. After
each payload a User notification for the agent (requestId ``sentinel-N``) marks
where the payload's events end: notifications of one publisher reach a subscriber in
order, and GC keeps an agent's events in order."""
from __future__ import annotations

import json

import pytest

from gc_core.testing import event_obj, event_type
from gc_finesse_emulator import xmlcodec as X

from ..finesse_corpus.corpus import load
from ..finesse_corpus.expected_events import FLOWS
from .harness import scenario_team

# Flows whose payloads GC can take one agent through (the sign-out sample would sign
# the agent out of the emulator's view: the in-process replay covers it).
PATH_FLOWS = [f for f in sorted(FLOWS) if f != "user: the guide's sample"]
TEAM_NO = 24  # a scenario team of its own (tests/finesse/harness.py)


def _swap(value, old: str, new: str):
    return json.loads(json.dumps(value).replace(old, new))


def _subset(got: dict, want: dict) -> dict:
    if got.get("type") == "Error" and want.get("type") == "Error":
        return {k: got.get(k) for k in want}
    return got


@pytest.mark.parametrize("flow", PATH_FLOWS)
def test_corpus_flow_through_gc(worlds, flow):
    flavour = "UCCX" if "(UCCX)" in flow else "UCCE"
    fin, _sim = worlds.get(flavour)
    cluster = fin.cluster
    agents, steps = FLOWS[flow]
    [corpus_agent] = {agent for _name, agent, _want in steps}
    team = scenario_team(TEAM_NO)
    agent = team.agents[0 if flavour == "UCCE" else 1]
    client = fin.agent(agent, login=agent)
    try:
        for n, (name, _agent, want) in enumerate(steps):
            payload = load(name)
            node = payload.node.replace(corpus_agent, agent)
            cluster.primary.publish(node, payload.xml.replace(corpus_agent, agent))
            sentinel = f"sentinel-{n}"
            cluster.primary.publish(f"/finesse/api/User/{agent}",
                                    X.user_update(cluster.model.get_user(agent), sentinel))
            got = []
            while True:
                ev = client.recv(10.0)
                if event_type(ev) == "State" and event_obj(ev).get("requestId") == sentinel:
                    break
                got.append(event_obj(ev))
            want = _swap(want, corpus_agent, agent)
            assert [_subset(g, w) for g, w in zip(got, want)] == want and len(got) == len(want), \
                f"{flow}: {name}\n got: {got}\nwant: {want}"
    finally:
        client.close()
