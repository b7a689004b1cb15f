"""The example backend as a target of GC's backend conformance kit.

Registered as the ``example`` entry point of ``gc.kit_targets`` (pyproject.toml), so
``pytest --gc-kit example --pyargs gc_core.backend_kit`` finds it. The target starts
GC on this backend and drives customers with the plugin's own ExampleCall /
ExampleHangup / ExampleStatus commands over a control connection; what the site has
(agents, queue, reason codes) is read from the same site.toml the backend serves.
"""
from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Mapping

from gc_core.backend_kit import CONFERENCE, CONSULT, TRANSFER, WORK_STATES, KitAgent, KitTarget
from gc_core.testing import GCClient, GCProcess, event_obj, event_type

from .backend import SITE


class ExampleTarget(KitTarget):
    name = "example"
    # What this backend does not do: the kit skips those rows, and says so.
    lacks = frozenset({CONSULT, TRANSFER, CONFERENCE, WORK_STATES})

    def __init__(self, site: Path = SITE):
        self.site = site
        data = tomllib.loads(Path(site).read_text())
        self.agents = tuple(KitAgent(a["id"], a["password"], a["extension"], a["first_name"], a["last_name"])
                            for a in data["agents"])
        self.queue = data["queue"]
        self.not_ready_reasons = data["not_ready_reasons"]
        self.logout_reasons = data["logout_reasons"]
        self.wrap_up_reasons = data["wrap_up_reasons"]
        self._ids = itertools.count(1)
        self.control: GCClient | None = None

    def start(self, workdir: Path) -> GCProcess:
        gc = GCProcess({"gc": {"plugins": ["websocket", "tcp", "agent", "example"], "backend": "example"},
                        "example": {"site": str(self.site)}}, workdir=workdir)
        self.control = gc.client("tcp", validate=False)  # ExampleTraffic's schema is this plugin's own
        return gc

    def stop(self) -> None:
        if self.control is not None:
            self.control.close()

    def _drive(self, command: str, **params) -> dict:
        rid = f"example-{next(self._ids)}"
        self.control.send({"type": command, "params": params, "requestId": rid})
        ev = self.control.expect(lambda e: event_obj(e).get("requestId") == rid, timeout=15)
        if event_type(ev) != "ExampleTraffic":
            raise RuntimeError(f"{command} refused: {ev}")
        return event_obj(ev)

    def call(self, from_address: str, call_variables: Mapping[str, str]) -> None:
        self._drive("ExampleCall", fromAddress=from_address, callVariables=dict(call_variables))

    def hangup(self, dialog_id: str) -> None:
        self._drive("ExampleHangup", dialogId=dialog_id)

    def set_in_service(self, in_service: bool) -> None:
        self._drive("ExampleStatus", status="IN_SERVICE" if in_service else "OUT_OF_SERVICE")


def target() -> ExampleTarget:
    return ExampleTarget()
