"""Handlers of the supervisor commands (see the package docstring for the table).

Calls go through the supervisor's own backend session (Finesse: the supervisor's
credentials); results of actions arrive as the backend's events, which the agent
plugin turns into InboundCall / State events carrying the requestId.
"""
from __future__ import annotations

from gc_core import events
from gc_core.domain import User

from . import authz, subscriptions
from .queue_stats import SHAPE_UCCE, queue_stats, shape_for


def _rid(ctx) -> str:
    return ctx.backend_request_id


def _conf(ctx) -> dict:
    return ctx.connector.config["supervisor"]


def _truthy(value) -> bool | None:
    if value is None:
        return None
    return value is True or str(value).lower() == "true"


# -- supervisor_queue_info ---------------------------------------------------------
def get_queue_list(ctx) -> None:
    """QueueStats for the queues of the supervisor's teams (Finesse User/{id}/Queues)."""
    conf = _conf(ctx)
    shape = shape_for(conf["queue_stats_shape"], ctx.backend.flavour)
    queues = ctx.session.queues()
    ctx.emit(queue_stats(queues, shape))
    if shape == SHAPE_UCCE and conf["queue_updates"]:
        subscriptions.subscribe_queues(ctx.connector, ctx.binding, [q.id for q in queues])


# -- supervisor_dialog ---------------------------------------------------------------
def silent_monitor(ctx) -> None:
    """Monitor the call of the team member signed in at ``agentExtension``."""
    extension = ctx.params["agentExtension"]
    authz.member_by_extension(ctx, extension)
    ctx.session.supervisor_call("SILENT_MONITOR", extension, request_id=_rid(ctx))


def end_silent_monitor(ctx) -> None:
    """Drop the supervisor's own leg of its monitoring call (Finesse: DROP with the
    supervisor's extension as target)."""
    dialog = authz.own_dialog(ctx, ctx.params["dialogId"])
    ctx.session.dialog_action(dialog.id, "DROP", target_media_address=ctx.binding.extension,
                              request_id=_rid(ctx))


def drop_participant(ctx) -> None:
    """Drop a team member (``agentExtension``) from a call the supervisor is on (after
    bargein): Finesse PARTICIPANT_DROP, UCCE only."""
    extension = ctx.params["agentExtension"]
    authz.member_by_extension(ctx, extension)
    dialog = authz.own_dialog(ctx, ctx.params["dialogId"])
    ctx.session.dialog_action(dialog.id, "PARTICIPANT_DROP", target_media_address=extension,
                              request_id=_rid(ctx))


def barge_in(ctx) -> None:
    """Join a team member's call: Finesse BARGE_CALL from the supervisor's device to the
    member's extension, associated with ``dialogId`` (the monitoring call, or the
    member's call)."""
    _team, member = authz.member_by_id(ctx, ctx.params["teamAgentLoginId"])
    if not member.extension or member.state in authz.SIGNED_OUT:
        raise authz.refuse(ctx, f"agent {member.login_id} is not signed in")
    ctx.session.supervisor_call("BARGE_CALL", member.extension, associated_dialog_id=ctx.params["dialogId"],
                                request_id=_rid(ctx))


# -- supervisor_team ---------------------------------------------------------------------
def get_team_users(ctx) -> None:
    """TeamAgents of a supervised team. ``subscribe`` true: the members' later changes
    follow, unasked, until the supervisor signs out; false: they stop now; absent:
    no change."""
    team_id = ctx.params["teamId"]
    authz.require_team(ctx, team_id)
    subscribe = _truthy(ctx.params.get("subscribe"))
    if subscribe:
        # subscribe before reading: no change between the answer and the subscription is lost
        subscriptions.subscribe_team(ctx.connector, ctx.binding, team_id)
    elif subscribe is False:
        subscriptions.unsubscribe_team(ctx.connector, ctx.binding, team_id)
    instance = subscriptions.instance_of(ctx.connector, ctx.binding)
    members = [subscriptions.merge_member(ctx.connector, instance, team_id, m) for m in ctx.session.team(team_id).users]
    if not _conf(ctx)["include_logged_out"]:
        members = [m for m in members if m.state not in authz.SIGNED_OUT]
    ctx.emit(events.team_agents(members))


def get_team_user_state(ctx) -> None:
    """The State of one member of a supervised team (``agentId`` = the member), as
    GetState would answer it; sent to the supervisor's destination."""
    _team, m = authz.member_by_id(ctx, ctx.params["teamAgentLoginId"])
    user = User(login_id=m.login_id, first_name=m.first_name, last_name=m.last_name,
                extension=m.extension, state=m.state, state_change_time=m.state_change_time,
                pending_state=m.pending_state, reason_code=m.reason_code)
    ctx.emit(events.state(user, m.login_id), agent_id=ctx.agent_id)
