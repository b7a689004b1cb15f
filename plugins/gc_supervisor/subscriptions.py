"""Supervisors' subscriptions: team members' state changes (getteamusers with
subscribe=true) and, on UCCE, queue statistics (after getqueuelist).

State is kept per binding (``binding.extras``), so it ends with the binding: an
agent connected again (from anywhere) starts without subscriptions, and nothing is
sent to an agent no longer bound. An index in ``connector.extras`` finds the
subscribers of a team or queue without scanning every binding; entries whose
binding ended are dropped when next met.

Team and queue ids are a backend's own (two clusters may both have a team "1"):
the indexes and the members' cache are keyed by (backend instance, id), the
instance being the supervisor's backend when subscribing and the event's
``backend`` (stamped by the core) when it arrives, so a change of cluster A's team 1
never reaches a supervisor of cluster B's team 1.

Both kinds stop when the supervisor signs out (its UserChanged with state LOGOUT).
The backend is told (``session.subscribe_team`` / ``unsubscribe_team``; for queues
``subscribe_queue`` / ``unsubscribe_queue``; a backend without them raises NotImplementedError) so a Finesse
session subscribes its XMPP nodes ``/finesse/api/Team/{id}/Users`` and
``/finesse/api/Queue/{id}``; the sim publishes everything and needs nothing.
"""
from __future__ import annotations

import dataclasses
import logging

from gc_core import events
from gc_core.domain import QueueChanged, TeamMember, TeamMemberChanged, UserChanged
from gc_core.errors import GCError

from .queue_stats import SHAPE_UCCE, queue_stats

log = logging.getLogger("gc.supervisor")

TEAMS = "supervisor.teams"          # binding.extras: team ids whose member changes are sent
QUEUES = "supervisor.queues"        # binding.extras: queue ids whose statistics changes are sent
TEAM_INDEX = "supervisor.team_subscribers"    # connector.extras: (instance, team id) -> {agent id}
QUEUE_INDEX = "supervisor.queue_subscribers"  # connector.extras: (instance, queue id) -> {agent id}
MEMBERS = "supervisor.team_members"  # connector.extras: (instance, team id, login id) -> last known TeamMember


def _index(connector, key: str) -> dict:
    return connector.extras.setdefault(key, {})


def instance_of(connector, binding) -> str:
    """The backend instance whose teams and queues ``binding``'s ids name."""
    return (binding.backend or connector.backend).instance


def event_instance(connector, event) -> str:
    """The instance a team or queue event came from (the core stamps it)."""
    return event.backend or connector.backend.instance


def subscribe_team(connector, binding, team_id: str) -> None:
    subs = binding.extras.setdefault(TEAMS, set())
    if team_id not in subs:
        try:
            binding.session.subscribe_team(team_id)
        except NotImplementedError:
            raise GCError("PLEASE_RETRY", f"the {(binding.backend or connector.backend).name} backend cannot subscribe to "
                                          f"team {team_id}'s changes") from None
        subs.add(team_id)
    _index(connector, TEAM_INDEX).setdefault((instance_of(connector, binding), team_id), set()).add(binding.agent_id)


def unsubscribe_team(connector, binding, team_id: str) -> None:
    subs = binding.extras.get(TEAMS)
    if not subs or team_id not in subs:
        return
    subs.discard(team_id)
    _index(connector, TEAM_INDEX).get((instance_of(connector, binding), team_id), set()).discard(binding.agent_id)
    try:
        binding.session.unsubscribe_team(team_id)
    except Exception:  # the session may be gone already; the subscription ends with it
        log.debug("unsubscribing %s from team %s failed", binding.agent_id, team_id, exc_info=True)


def subscribe_queues(connector, binding, queue_ids) -> None:
    subs = binding.extras.setdefault(QUEUES, set())
    for qid in queue_ids:
        if qid in subs:
            continue
        try:
            binding.session.subscribe_queue(qid)
        except NotImplementedError:
            pass  # a backend that publishes queue changes without being asked
        except Exception:  # statistics updates are a bonus: the answer itself was sent
            log.warning("agent %s: cannot subscribe to queue %s", binding.agent_id, qid, exc_info=True)
            continue
        subs.add(qid)
        _index(connector, QUEUE_INDEX).setdefault((instance_of(connector, binding), qid), set()).add(binding.agent_id)


def end_all(connector, binding) -> None:
    for team_id in sorted(binding.extras.get(TEAMS, ())):
        unsubscribe_team(connector, binding, team_id)
    queues = binding.extras.pop(QUEUES, set())
    instance = instance_of(connector, binding)
    for qid in queues:
        _index(connector, QUEUE_INDEX).get((instance, qid), set()).discard(binding.agent_id)
        try:
            binding.session.unsubscribe_queue(qid)
        except NotImplementedError:
            pass
        except Exception:
            log.debug("unsubscribing %s from queue %s failed", binding.agent_id, qid, exc_info=True)


def _subscribers(connector, index_key: str, extras_key: str, instance: str, key: str):
    """The bindings subscribed to ``key`` (a team or queue id) of backend ``instance``."""
    agent_ids = connector.extras.get(index_key, {}).get((instance, key))
    for agent_id in sorted(agent_ids or ()):
        binding = connector.sessions.agents.get(agent_id)
        if binding is None or key not in binding.extras.get(extras_key, ()) or \
                instance_of(connector, binding) != instance:
            agent_ids.discard(agent_id)  # the binding ended (or was replaced): so did its subscription
            continue
        yield binding


# -- members as last known -------------------------------------------------------------
def merge_member(connector, instance: str, team_id: str, member: TeamMember) -> TeamMember:
    """``member`` with the fields Finesse did not send (None: its team notifications
    carry a *summary* user without ``extension`` and often without ``pendingState``)
    taken from what GC last knew of that member; remembered for next time. A pending
    state not sent is kept only while the state is unchanged (a new state settles it).
    ``instance``: the backend whose team ``team_id`` is."""
    known = connector.extras.setdefault(MEMBERS, {})
    last = known.get((instance, team_id, member.login_id))
    fill = {}
    for name in ("first_name", "last_name", "extension", "pending_state"):
        if getattr(member, name) is None:
            keep = last is not None and (name != "pending_state" or last.state == member.state)
            fill[name] = (getattr(last, name) or "") if keep else ""
    merged = dataclasses.replace(member, **fill) if fill else member
    known[(instance, team_id, member.login_id)] = merged
    return merged


# -- mappers -----------------------------------------------------------------------
def on_team_member_changed(connector, event: TeamMemberChanged) -> None:
    """A member's change, as TeamAgents with that one user, to each subscribed supervisor."""
    instance = event_instance(connector, event)
    member = merge_member(connector, instance, event.team_id, event.member)
    for binding in _subscribers(connector, TEAM_INDEX, TEAMS, instance, event.team_id):
        connector.emit(binding.agent_id, events.team_agents([member]))


def on_queue_changed(connector, event: QueueChanged) -> None:
    for binding in _subscribers(connector, QUEUE_INDEX, QUEUES, event_instance(connector, event), event.queue.id):
        connector.emit(binding.agent_id, queue_stats([event.queue], SHAPE_UCCE))


def on_user_changed(connector, event: UserChanged) -> None:
    """The supervisor signed out: its subscriptions end."""
    if event.user.state != "LOGOUT":
        return
    binding = connector.sessions.agents.get(event.agent_id)
    if binding is not None and (binding.extras.get(TEAMS) or binding.extras.get(QUEUES)):
        end_all(connector, binding)


MAPPERS = {TeamMemberChanged: on_team_member_changed, QueueChanged: on_queue_changed,
           UserChanged: on_user_changed}
