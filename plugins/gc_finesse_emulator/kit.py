"""The Finesse backend against the Finesse emulator as targets of the backend
conformance kit (entry points ``gc.kit_targets``: ``finesse-ucce``, ``finesse-uccx``).
Run them with ``pytest --gc-kit finesse-ucce --pyargs gc_core.backend_kit``.

Each target starts one emulated Finesse node (REST + a real Prosody on free loopback
ports) in the test process, on the site file ``conf/sim-site.toml``, and GC as a child
process with ``gc.backend = "finesse"`` pointing at it. Customers are driven through
the emulator's model (the calls a real deployment gets from the PSTN); the status
changes are the node going out of service and back (Finesse's SystemInfo).
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional

from gc_core.backend_kit import KitTarget
from gc_core.resources import conf_dir
from gc_core.testing import GCProcess
from gc_sim.kit import SiteFile


class FinesseOnEmulator(KitTarget):
    def __init__(self, flavour: str = "UCCE", site: Optional[Path] = None):
        self.flavour = flavour
        self.name = f"finesse ({flavour}, emulated)"
        self.site = Path(site or conf_dir() / "sim-site.toml")
        SiteFile(self.site).declare(self)
        self.lacks = frozenset({"WORK_READY"}) if flavour == "UCCX" else frozenset()
        self.cluster = None

    def start(self, workdir: Path) -> GCProcess:
        from .cluster import EmulatorCluster
        self.cluster = EmulatorCluster.start(flavour=self.flavour, site=str(self.site), secondary=False)
        node = self.cluster.primary
        return GCProcess({
            "gc": {"plugins": ["websocket", "tcp", "agent", "finesse"], "backend": "finesse"},
            "finesse": {"flavour": self.flavour, "primary_host": node.host, "primary_port": node.rest_port,
                        "primary_xmpp_port": node.xmpp_port, "scheme": "http", "xmpp_tls": "none"},
        }, workdir=workdir)

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()

    def call(self, from_address: str, call_variables: Mapping[str, str]) -> None:
        self.cluster.model.inbound_call(queue_id=self.queue, from_address=from_address,
                                        call_variables=dict(call_variables) or None)

    def hangup(self, dialog_id: str) -> None:
        self.cluster.model.customer_hangup(dialog_id)

    def set_in_service(self, in_service: bool) -> None:
        if in_service:
            self.cluster.put_in_service()
        else:
            self.cluster.take_out_of_service()


def ucce() -> FinesseOnEmulator:
    return FinesseOnEmulator("UCCE")


def uccx() -> FinesseOnEmulator:
    return FinesseOnEmulator("UCCX")
