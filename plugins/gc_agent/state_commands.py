"""agent_state and agent_work commands: sign in and out, READY / NOT_READY / WORK,
reason code lists, GetState and refresh."""
from __future__ import annotations

from gc_core import events
from gc_core.domain import MobileAgent
from gc_core.errors import GCError

from . import dialogs
from .mappers import LOGIN_PENDING


def check_password(ctx) -> None:
    if not ctx.binding.password_matches(ctx.params["password"]):
        raise GCError("CF_INVALID_PASSWORD_SPECIFIED",
                      f"the password does not match the one agent {ctx.agent_id} connected with")


def _sign_in(ctx, **kwargs) -> None:
    """LOGIN; the State that answers it brings AgentInfo too (see mappers.LOGIN_PENDING),
    also when the agent was already signed in."""
    check_password(ctx)
    rid = ctx.backend_request_id
    ctx.binding.extras[LOGIN_PENDING] = rid
    try:
        ctx.session.change_state("LOGIN", extension=ctx.params["extension"], request_id=rid, **kwargs)
    except Exception:
        if ctx.binding.extras.get(LOGIN_PENDING) == rid:
            del ctx.binding.extras[LOGIN_PENDING]
        raise


def login(ctx) -> None:
    _sign_in(ctx)


def mobile_agent_login(ctx) -> None:
    mode = "CALL_BY_CALL" if str(ctx.params["connectionMode"]).lower() == "true" else "NAILED_CONNECTION"
    _sign_in(ctx, mobile_agent=MobileAgent(mode=mode, dial_number=ctx.params["phone"]))


def _change(state: str, with_reason: bool = False):
    def handler(ctx) -> None:
        if ctx.member_id:  # a supervisor changing a member of its team (no reason code then)
            ctx.session.change_member_state(ctx.member_id, state, request_id=ctx.backend_request_id)
            return
        reason = ctx.params.get("reasonCode") if with_reason else None
        ctx.session.change_state(state, reason_code_id=reason, request_id=ctx.backend_request_id)
    handler.__name__ = f"change_to_{state.lower()}"
    handler.__doc__ = f"Ask the backend for {state}; the State event follows from the backend."
    return handler


make_ready = _change("READY")
make_not_ready = _change("NOT_READY")
make_not_ready_with_reason = _change("NOT_READY", with_reason=True)
logout = _change("LOGOUT")
logout_with_reason = _change("LOGOUT", with_reason=True)
make_work_not_ready = _change("WORK")
make_work_ready = _change("WORK_READY")


def force_logout(ctx) -> None:
    """Sign the agent out whatever it is doing, through the backend's force_logout
    (calls dropped first); already signed out: the State says so."""
    if ctx.session.user().state == "LOGOUT":
        ctx.emit(events.state(ctx.session.user(), ctx.agent_id))
        return
    ctx.session.force_logout(request_id=ctx.backend_request_id)


def get_state(ctx) -> None:
    ctx.emit(events.state(ctx.session.user(), ctx.agent_id))


def refresh(ctx) -> None:
    """Re-send everything a desktop shows: the State, then each live call."""
    user = ctx.session.user()
    ctx.binding.extension = user.extension or ctx.binding.extension
    ctx.emit(events.state(user, ctx.agent_id))
    ctx.binding.extras.pop(dialogs.KEY, None)  # reload the view from the backend
    for dialog in dialogs.view(ctx.binding).values():
        ctx.emit(events.inbound_call(dialog, ctx.agent_id, ctx.binding.extension))


def _reason_codes(category: str):
    def handler(ctx) -> None:
        codes = ctx.session.reason_codes(category)
        ctx.emit(events.reason_codes(category, [(c.id, c.label) for c in codes], ctx.agent_id))
    handler.__name__ = f"reason_codes_{category.lower()}"
    return handler


reason_codes_logout = _reason_codes("LOGOUT")
reason_codes_not_ready = _reason_codes("NOT_READY")


def wrap_up_reason_codes(ctx) -> None:
    reasons = ctx.session.wrap_up_reasons()
    ctx.emit(events.reason_codes("WrapUp", [(r.id, r.label) for r in reasons], ctx.agent_id))


def require_logged_in(ctx) -> None:
    if ctx.session.user().state == "LOGOUT":
        raise GCError("CF_INVALID_OBJECT_STATE", f"agent {ctx.agent_id} is not logged in")
