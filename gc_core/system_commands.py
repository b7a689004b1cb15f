"""The core's own commands and mappers: Hello, Beat and Connect (sessions are the
core's job), and the System status event. Registered like any plugin, always on."""
from __future__ import annotations

import logging

from . import events
from .backend import AgentSession
from .commands import SCOPE_CONNECT, SCOPE_SYSTEM, CommandSpec
from .domain import SessionLost, SystemStatusChanged
from .errors import GCError
from .hookspecs import hookimpl
from .lockout import is_refusal, peer_address
from .sessions import AgentBinding

log = logging.getLogger("gc.system")


def hello(ctx) -> None:
    """Hello / Beat: join the destination, answer with its status: that of the
    backends its agents use, or of every backend while it has none (Connector.set_status).

    The answer to a connection's first Hello on a destination it holds carries the
    destination's ``resumeToken``; presenting that token later (``resumeToken``, or
    ``Hello#crm-1|<token>``) on a new connection resumes the destination: its agents'
    events and its backlog, which follows the answer. A resume that finds events
    dropped says how many in ``droppedEvents`` (the client should send GetState)."""
    connector = ctx.connector
    name = ctx.params["clientDestination"]
    dest, resumes = connector.sessions.hello(ctx.connection, name, ctx.params.get("resumeToken"))
    answer = events.system(connector.status_for(name))
    # the first Hello of a connection holding the destination (it created it, showed the
    # token, or its transport vouches for it) gets the token, and the backlog after it
    first = name in ctx.connection.owned and name not in ctx.connection.told_token
    if first:
        ctx.connection.told_token.add(name)
        if not resumes:
            answer["resumeToken"] = dest.resume_token
    backlog, dropped = dest.take_backlog() if first else ([], 0)
    if dropped:
        answer["droppedEvents"] = dropped
    ctx.reply(answer)
    if backlog or dropped:
        log.info("%r resumed destination %s: %d events replayed, %d dropped",
                 ctx.connection, name, len(backlog), dropped)
        ctx.connection.replay(backlog)


def connect(ctx) -> None:
    """Bind the agent to the client's destination and open its session on the
    backend the agent rule gives it (gc_core.backends; none: USER_NOT_FOUND).

    The spec answers a successful Connect with nothing. A wrong password is
    SUBSCRIPTION_FAILED; connecting from a new destination invalidates the old one
    (State LOGOUT, then Error SESSION_INVALIDATED, sent to the old destination).
    Before anything is sent to the backend the lockout guard may refuse the password
    (gc_core.lockout). The connection has then proved the agent's credentials: it receives the agent's
    events and may command it. Repeating Connect for an agent already bound to the
    destination is the legacy resume: the agent's backlog follows (after a System
    event with ``droppedEvents`` if events were lost)."""
    connector = ctx.connector
    sessions = connector.sessions
    agent_id = ctx.agent_id
    name = ctx.params["clientDestination"]
    password = ctx.params["password"]
    sessions.check_licence(agent_id)
    peer = peer_address(ctx.connection.peer)
    known = sessions.agents.get(agent_id)
    connector.lockout.check(agent_id, password, peer, known.password_matches(password) if known else None)
    backend = connector.backends.for_agent(agent_id)
    try:
        session: AgentSession = backend.open_session(agent_id, password, request_id=ctx.request.request_id or "")
    except GCError as exc:
        if is_refusal(exc):
            connector.lockout.refused(agent_id, password, peer)
        raise
    connector.lockout.accepted(agent_id)
    try:
        user = session.user()
        sessions.check_licence(agent_id)  # another Connect may have won while we waited
        dest = sessions.join(ctx.connection, name)
    except Exception:
        session.close()
        raise
    sessions.prove(ctx.connection, dest, agent_id)
    binding = AgentBinding(agent_id=agent_id, destination=dest, session=session, extension=user.extension,
                           backend=backend,
                           supervisor=user.is_supervisor, team_id=user.team.id if user.team else "",
                           supervised_teams={t.id for t in user.teams})
    binding.remember_password(password)
    previous = sessions.bind(binding)
    if previous is None:
        log.info("agent %s connected on destination %s", agent_id, dest.name)
        return
    previous.session.close()
    if previous.destination is dest:
        backlog, dropped = dest.take_backlog(agent_id)
        if dropped:
            ctx.reply({**events.system(connector.status_for(dest.name)), "droppedEvents": dropped})
        ctx.connection.replay(backlog)
        return
    log.info("agent %s moved from destination %s to %s", agent_id, previous.destination.name, dest.name)
    connector.send_to_destination(previous.destination.name,
                                  events.state(user, agent_id, state_override="LOGOUT"), agent_id)
    connector.send_to_destination(previous.destination.name, events.error(
        GCError("SESSION_INVALIDATED", f"agent {agent_id} was connected from another destination"),
        agent_id=agent_id, request=ctx.request.origin()), agent_id)
    sessions.revoke(previous)


@hookimpl
def gc_commands():
    return [
        CommandSpec("Hello", hello, scope=SCOPE_SYSTEM),
        CommandSpec("Beat", hello, scope=SCOPE_SYSTEM),
        CommandSpec("Connect", connect, scope=SCOPE_CONNECT),
    ]


def _status_changed(connector, event: SystemStatusChanged) -> None:
    connector.set_status(event.status, event.backend or None)


def _session_lost(connector, event: SessionLost) -> None:
    binding = connector.sessions.unbind(event.agent_id)
    if binding is None:
        return
    connector.send_to_destination(binding.destination.name, events.error(
        GCError("UNABLE_TO_SUBSCRIBE_TO_FINESSE", event.reason or "the backend ended the agent's session"),
        agent_id=event.agent_id), event.agent_id)


@hookimpl
def gc_event_mappers():
    return {SystemStatusChanged: _status_changed, SessionLost: _session_lost}
