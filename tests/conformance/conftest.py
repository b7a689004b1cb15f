"""One GC per world for the conformance modules: the sim (UCCE, UCCX) and GC's Finesse
backend on the emulator (UCCE, UCCX: REST + XMPP over a real Prosody), each with every
feature plugin on and the Zoom stand-in (the only part that cannot run here)."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess
from gc_zoom.standin import ZoomStandIn

from .harness import CORE_PLUGINS, ENGAGEMENT, FEATURE_PLUGINS, EmulatorWorld, SimWorld, write_site

WORLDS = [("sim", "UCCE"), ("sim", "UCCX"), ("emulator", "UCCE"), ("emulator", "UCCX")]


@pytest.fixture(scope="session")
def site_path(tmp_path_factory):
    return write_site(tmp_path_factory.mktemp("conformance-site"))


def _zoom_section(zoom) -> dict:
    return zoom.gc_config(timeout=2.0, target_id=f"engagement:{ENGAGEMENT}")


def start_world(backend: str, flavour: str, site_path, workdir):
    """(world, cleanup) for one backend and flavour."""
    zoom = ZoomStandIn(engagements=[ENGAGEMENT]).start()
    if backend == "sim":
        # lockout_threshold 0: GC's lockout guard off, so that the sim's own lockout (the
        # CF_AGENT_ACCOUNT_LOCKED_OUT row) can be reached; the guard is tested in tests/security
        config = {"gc": {"plugins": CORE_PLUGINS + ["sim"] + FEATURE_PLUGINS, "lockout_threshold": 0},
                  "sim": {"demo_call_interval": 0.0, "external_answer_after": -1.0, "site": str(site_path),
                          "flavour": flavour},
                  "zoom": _zoom_section(zoom)}
        gc = GCProcess(config, workdir=workdir).__enter__()
        world = SimWorld(flavour, gc, zoom)

        def cleanup():
            world.close()
            gc.stop()
            zoom.stop()
        return world, cleanup
    from gc_finesse_emulator.cluster import EmulatorCluster
    cluster = EmulatorCluster.start(flavour=flavour, site=str(site_path), secondary=False, queue_interval=0.2)
    p = cluster.primary
    config = {"gc": {"plugins": CORE_PLUGINS + ["finesse"] + FEATURE_PLUGINS, "backend": "finesse"},
              "finesse": {"flavour": flavour, "primary_host": p.host, "primary_port": p.rest_port,
                          "primary_xmpp_port": p.xmpp_port, "scheme": "http", "xmpp_tls": "none",
                          "connect_timeout": 3.0, "read_timeout": 5.0},
              "zoom": _zoom_section(zoom)}
    try:
        gc = GCProcess(config, workdir=workdir).__enter__()
    except Exception:
        cluster.stop()
        zoom.stop()
        raise
    world = EmulatorWorld(flavour, gc, zoom, cluster)

    def cleanup():
        gc.stop()
        cluster.stop()
        zoom.stop()
    return world, cleanup


@pytest.fixture(scope="module", params=WORLDS, ids=[f"{b}-{f}" for b, f in WORLDS])
def world(request, site_path, tmp_path_factory):
    backend, flavour = request.param
    w, cleanup = start_world(backend, flavour, site_path, tmp_path_factory.mktemp(f"gc-{backend}-{flavour}"))
    try:
        yield w
    finally:
        cleanup()
