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
from .sessions import AgentBinding

log = logging.getLogger("gc.system")


def hello(ctx) -> None:
    """Hello / Beat: join the destination, answer with its status: that of the
    backends its agents use, or of every backend while it has none (Connector.set_status)."""
    name = ctx.params["clientDestination"]
    ctx.connector.sessions.join(ctx.connection, name)
    ctx.reply(events.system(ctx.connector.status_for(name)))


def connect(ctx) -> None:
    """Bind the agent to the client's destination and open its session on the
    backend the agent rule gives it (gc_core.backends; none: USER_NOT_FOUND).

    The spec answers a successful Connect with nothing. A wrong password is
    SUBSCRIPTION_FAILED; connecting from a new destination invalidates the old one
    (State LOGOUT, then Error SESSION_INVALIDATED, sent to the old destination)."""
    connector = ctx.connector
    sessions = connector.sessions
    agent_id = ctx.agent_id
    sessions.check_licence(agent_id)
    backend = connector.backends.for_agent(agent_id)
    session: AgentSession = backend.open_session(agent_id, ctx.params["password"],
                                                           request_id=ctx.request.request_id or "")
    try:
        user = session.user()
        sessions.check_licence(agent_id)  # another Connect may have won while we waited
    except Exception:
        session.close()
        raise
    dest = sessions.join(ctx.connection, ctx.params["clientDestination"])
    binding = AgentBinding(agent_id=agent_id, destination=dest, session=session, extension=user.extension,
                           backend=backend,
                           supervisor=user.is_supervisor, team_id=user.team.id if user.team else "",
                           supervised_teams={t.id for t in user.teams})
    binding.remember_password(ctx.params["password"])
    previous = sessions.bind(binding)
    if previous is None:
        log.info("agent %s connected on destination %s", agent_id, dest.name)
        return
    previous.session.close()
    if previous.destination is not dest:
        log.info("agent %s moved from destination %s to %s", agent_id, previous.destination.name, dest.name)
        connector.send_to_destination(previous.destination.name,
                                      events.state(user, agent_id, state_override="LOGOUT"), agent_id)
        connector.send_to_destination(previous.destination.name, events.error(
            GCError("SESSION_INVALIDATED", f"agent {agent_id} was connected from another destination"),
            agent_id=agent_id, request=ctx.request.origin()), agent_id)


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
