"""The supervisor plugin: the spec's supervisor commands.

=================  ===============================  ==========================================
command            what it does (Finesse call)      answer
=================  ===============================  ==========================================
getqueuelist       GET User/{id}/Queues             QueueStats (UCCE fields, or UCCX
                                                    SnapShot / SinceMidNight); on UCCE the
                                                    listed queues' later changes follow, unasked
silentmonitor      POST Dialogs SILENT_MONITOR      supervisor: InboundCall; agent:
                                                    NewInboundCall, InboundCall
endsilentmonitor   PUT Dialog DROP                  InboundCall (DROPPED) to both
dropparticipant    PUT Dialog PARTICIPANT_DROP      InboundCall (UCCE only)
getteamusers       GET Team/{id}                    TeamAgents; with subscribe=true every
                                                    member's later change as TeamAgents (one
                                                    user), unasked, until the supervisor logs
                                                    out (subscribe=false stops it earlier)
getteamuserstate   GET Team/{id}                    State of that member (the spec names no
                                                    output; State is what GetState answers)
bargein            POST Dialogs BARGE_CALL          InboundCall
=================  ===============================  ==========================================

The supervisor's Logout / MakeNotReady / MakeReady of a team member are the agent
plugin's commands (``member_ok``); the core routes them.

Authorization: every command needs the Supervisor role (the core refuses others) and,
where it names a team, a member, an extension or a call, a team the supervisor
supervises; anything else is refused with ``PLEASE_RETRY`` (origin GC) and a
description naming the agent and the team (see :mod:`.authz`).

Configuration ``[supervisor]``: see :func:`gc_config_defaults`.
"""
from __future__ import annotations

from gc_core.backend import CAP_PARTICIPANT_DROP, CAP_QUEUE_STATS, CAP_SUPERVISOR
from gc_core.commands import CommandSpec
from gc_core.domain import DialogChanged
from gc_core.hookspecs import hookimpl

from . import commands as c
from . import monitor
from .subscriptions import MAPPERS

SUPERVISOR = frozenset({CAP_SUPERVISOR})


@hookimpl
def gc_config_defaults():
    return {"supervisor": {
        # QueueStats shape: "auto" (the backend's flavour: UCCX -> SnapShot/SinceMidNight,
        # anything else -> UCCE fields), or "UCCE" / "UCCX" to force one.
        "queue_stats_shape": "auto",
        # After getqueuelist, send the listed queues' changes unasked (UCCE shape only,
        # as Finesse publishes queue statistics on UCCE only), until the supervisor logs out.
        "queue_updates": True,
        # getteamusers lists signed-out members too (Finesse includeLoggedOutAgents).
        "include_logged_out": True,
    }}


@hookimpl
def gc_commands():
    return [
        CommandSpec("getqueuelist", c.get_queue_list, supervisor=True,
                    requires=SUPERVISOR | {CAP_QUEUE_STATS}),
        CommandSpec("silentmonitor", c.silent_monitor, supervisor=True, requires=SUPERVISOR),
        CommandSpec("endsilentmonitor", c.end_silent_monitor, supervisor=True, requires=SUPERVISOR),
        CommandSpec("dropparticipant", c.drop_participant, supervisor=True,
                    requires=SUPERVISOR | {CAP_PARTICIPANT_DROP}),
        CommandSpec("getteamusers", c.get_team_users, supervisor=True, requires=SUPERVISOR),
        CommandSpec("getteamuserstate", c.get_team_user_state, supervisor=True, requires=SUPERVISOR),
        CommandSpec("bargein", c.barge_in, supervisor=True, requires=SUPERVISOR),
    ]


@hookimpl(tryfirst=True)
def gc_event_mappers():
    # tryfirst: these mappers run before the agent plugin's, so the monitored agent's
    # NewInboundCall precedes the InboundCall the agent plugin sends for the same event
    return {**MAPPERS, DialogChanged: monitor.on_dialog_changed}
