"""The sim as a target of the backend conformance kit (entry point ``gc.kit_targets``:
``sim``). Run it with ``pytest --gc-kit sim --pyargs gc_core.backend_kit``.

Agents, queue and reason codes are read from the site file the sim is configured with
(``conf/sim-site.toml`` as shipped), not from anything GC reports; customers are
driven with the sim's own traffic commands (SimCall, SimHangup, SimStatus) over a
control connection, as ``gc sim`` does.
"""
from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Mapping, Optional

from gc_core.backend_kit import KitAgent, KitTarget
from gc_core.resources import conf_dir
from gc_core.testing import GCClient, GCProcess, event_obj, event_type


class SiteFile:
    """What a sim site file (plugins/gc_sim/model/site.py) declares for the kit: the
    first ``n`` plain agents of ``team``, the team's queue, the reason codes."""

    def __init__(self, path: Path, team: str = "1", n: int = 3):
        self.path = Path(path)
        data = tomllib.loads(self.path.read_text())
        self.agents = tuple(
            KitAgent(a["id"], a["password"], a["extension"], a["first_name"], a["last_name"])
            for a in data["agents"]
            if a["team"] == team and "Supervisor" not in a.get("roles", [])
            and a.get("wrap_up_on_incoming", "OPTIONAL") != "REQUIRED")[:n]
        self.queue = next(q["id"] for q in data["queues"] if team in q["teams"])
        self.not_ready = {r["id"]: r["label"] for r in data["reason_codes"] if r["category"] == "NOT_READY"}
        self.logout = {r["id"]: r["label"] for r in data["reason_codes"] if r["category"] == "LOGOUT"}
        self.wrap_up = {w["id"]: w["label"] for w in data["wrap_up_reasons"]}

    def declare(self, target: KitTarget) -> None:
        target.agents, target.queue = self.agents, self.queue
        target.not_ready_reasons, target.logout_reasons, target.wrap_up_reasons = (
            self.not_ready, self.logout, self.wrap_up)


class SimTarget(KitTarget):
    """GC on the sim backend (``flavour`` UCCE or UCCX) with the site file ``site``."""

    def __init__(self, flavour: str = "UCCE", site: Optional[Path] = None):
        self.flavour = flavour
        self.name = f"sim ({flavour})"
        self.site = Path(site or conf_dir() / "sim-site.toml")
        SiteFile(self.site).declare(self)
        self.lacks = frozenset({"WORK_READY"}) if flavour == "UCCX" else frozenset()
        self.control: Optional[GCClient] = None
        self._ids = itertools.count(1)

    def start(self, workdir: Path) -> GCProcess:
        gc = GCProcess({"gc": {"plugins": ["websocket", "tcp", "sim", "agent"], "backend": "sim"},
                        "sim": {"site": str(self.site), "flavour": self.flavour, "demo_call_interval": 0.0,
                                "external_answer_after": -1.0}}, workdir=workdir)
        self.control = gc.client("tcp")
        return gc

    def stop(self) -> None:
        if self.control is not None:
            self.control.close()

    def _traffic(self, command: str, **params) -> dict:
        rid = f"kit-sim-{next(self._ids)}"
        self.control.send({"type": command, "params": params, "requestId": rid})
        ev = self.control.expect(lambda e: event_obj(e).get("requestId") == rid, timeout=15)
        if event_type(ev) != "SimTraffic":
            raise RuntimeError(f"{command} refused: {ev}")
        return event_obj(ev)

    def call(self, from_address: str, call_variables: Mapping[str, str]) -> None:
        params = {"queueId": self.queue, "fromAddress": from_address}
        if call_variables:
            params["callVariables"] = dict(call_variables)
        self._traffic("SimCall", **params)

    def hangup(self, dialog_id: str) -> None:
        self._traffic("SimHangup", dialogId=dialog_id)

    def set_in_service(self, in_service: bool) -> None:
        self._traffic("SimStatus", status="IN_SERVICE" if in_service else "OUT_OF_SERVICE")


def target() -> SimTarget:
    return SimTarget()
