"""Each bound agent's view of its calls, kept from the backend's DialogChanged events.

Commands that name a dialog check it here (NO_DIALOG_ID) instead of asking the
backend each time; the view is loaded from the backend once, on first use."""
from __future__ import annotations

from typing import Optional

from gc_core.domain import Dialog
from gc_core.errors import GCError

KEY = "dialogs"
ENDED = ("DROPPED", "FAILED")
WRAP_UP = "WRAP_UP"  # the agent's party of a call kept for wrap-up (dialog state DROPPED)


def view(binding) -> dict[str, Dialog]:
    cache = binding.extras.get(KEY)
    if cache is None:
        cache = binding.extras[KEY] = {d.id: d for d in binding.session.dialogs()}
    return cache


def find(binding, dialog_id: str) -> Optional[Dialog]:
    return view(binding).get(dialog_id)


def require(binding, dialog_id: str) -> Dialog:
    dialog = find(binding, dialog_id)
    if dialog is None:
        raise GCError("NO_DIALOG_ID", f"dialog {dialog_id} does not exist for agent {binding.agent_id}")
    return dialog


def record(binding, dialog: Dialog, change: str) -> None:
    """Apply one DialogChanged to the view (if it was ever loaded)."""
    cache = binding.extras.get(KEY)
    if cache is None:
        return
    mine = dialog.participant(binding.extension) if binding.extension else None
    if change != "DELETE" and mine is not None and mine.state == WRAP_UP:
        cache[dialog.id] = dialog  # the call is over but kept for wrap-up: wrapup may name it
    elif change == "DELETE" or dialog.state in ENDED or (mine is not None and mine.state in ENDED):
        cache.pop(dialog.id, None)
    else:
        cache[dialog.id] = dialog
