"""Who may act on what: a supervisor acts only on the teams it supervises.

The core lets only agents with the Supervisor role send supervisor commands
(``CommandSpec.supervisor``, refused with PLEASE_RETRY "... needs a supervisor").
These helpers add the team check: the team, member, extension or call a command
names must belong to a team in ``binding.supervised_teams`` (Finesse's
``User.teams``, read at Connect).

Refusals use ``PLEASE_RETRY`` (origin GC), the same code the core uses for a
non-supervisor, so a client sees one code for every authorization refusal of a
supervisor command; the description says who was refused and why. (The spec has
no authorization code: ``SUBSCRIPTION_FAILED`` means bad credentials and the
``CF_*`` codes are Finesse's own; PLEASE_RETRY is the spec's code for an invalid
request parameter, which a team one does not supervise is.)
"""
from __future__ import annotations

from typing import Optional

from gc_core.domain import Dialog, TeamMember
from gc_core.errors import GCError

SIGNED_OUT = ("LOGOUT", "UNKNOWN")


def refuse(ctx, what: str) -> GCError:
    teams = ", ".join(sorted(ctx.binding.supervised_teams)) or "none"
    return GCError("PLEASE_RETRY", f"{ctx.request.type} refused: {what}; agent {ctx.agent_id} "
                                   f"supervises team(s) {teams} only")


def require_team(ctx, team_id: str) -> None:
    if team_id not in ctx.binding.supervised_teams:
        raise refuse(ctx, f"team {team_id} is not a team agent {ctx.agent_id} supervises")


def _members(ctx):
    """(team id, member) of the supervised teams; a field Finesse did not send (a
    summary user) filled from what GC knew (subscriptions.merge_member)."""
    from .subscriptions import instance_of, merge_member
    instance = instance_of(ctx.connector, ctx.binding)
    for team_id in sorted(ctx.binding.supervised_teams):
        for m in ctx.session.team(team_id).users:
            yield team_id, merge_member(ctx.connector, instance, team_id, m)


def member_by_id(ctx, login_id: str) -> tuple[str, TeamMember]:
    """(team id, member) of ``login_id`` in a supervised team, else a refusal."""
    for team_id, m in _members(ctx):
        if m.login_id == login_id:
            return team_id, m
    raise refuse(ctx, f"agent {login_id} is not a member of a team agent {ctx.agent_id} supervises")


def member_by_extension(ctx, extension: str) -> tuple[str, TeamMember]:
    """(team id, member) signed in on ``extension`` in a supervised team, else a refusal."""
    for team_id, m in _members(ctx):
        if m.extension == extension and m.state not in SIGNED_OUT and m.login_id != ctx.agent_id:
            return team_id, m
    raise refuse(ctx, f"extension {extension} is not the extension of a signed-in member of a team "
                      f"agent {ctx.agent_id} supervises")


def own_dialog(ctx, dialog_id: str) -> Dialog:
    """One of the supervisor's own calls (NO_DIALOG_ID otherwise)."""
    found: Optional[Dialog] = next((d for d in ctx.session.dialogs() if d.id == dialog_id), None)
    if found is None:
        raise GCError("NO_DIALOG_ID", f"dialog {dialog_id} is not a call of agent {ctx.agent_id}")
    return found
