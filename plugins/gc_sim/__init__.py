"""The sim plugin: GC's embedded default backend, a simulated contact center.

Provides the ``sim`` backend (configuration section ``[sim]``), the sim-only traffic
commands (SimCall, SimAnswer, SimHangup, SimPreview, SimStatus) with their schemas,
the demo traffic timer, and the ``gc sim ...`` command line.
"""
from __future__ import annotations

from pathlib import Path

from gc_core.hookspecs import hookimpl
from gc_core.config import ConfigError, OneOf
from gc_core.resources import conf_dir

from . import cli, traffic

SCHEMAS = Path(__file__).parent / "schemas"


@hookimpl
def gc_config_defaults():
    return {"sim": {
        "site": "",              # TOML site file; "" = the packaged sim-site.toml (conf/, packaged as gc_core/data/conf)
        "flavour": "UCCE",       # UCCE | UCCX: which Finesse platform the sim behaves like
        "external_answer_after": 1.0,  # seconds before an outside number answers (-1: never, tests drive it)
        "demo_call_interval": 0.0,     # seconds between demo inbound calls (0: off)
        "demo_call_duration": 20.0,    # seconds a demo customer talks once answered
    }}


@hookimpl
def gc_config_rules():
    return {"sim": {"flavour": OneOf("UCCE", "UCCX")}}


@hookimpl
def gc_backend_names():
    return ["sim"]


@hookimpl
def gc_backend(name, config):
    """A sim per instance: ``config["sim"]`` is the instance's settings (its own site
    and flavour when ``[backends.<name>]`` sets them)."""
    if name != "sim":
        return None
    import tomllib

    from .backend import SimBackend
    from .model import ContactCenter, SiteError, load_site
    conf = config["sim"]
    flavour = conf["flavour"].upper()
    if flavour not in ("UCCE", "UCCX"):
        raise ConfigError(f"sim.flavour must be UCCE or UCCX, not {conf['flavour']!r}")
    try:
        site = load_site(conf["site"] or conf_dir() / "sim-site.toml")
    except (OSError, tomllib.TOMLDecodeError, SiteError) as exc:
        raise ConfigError(f"sim.site: cannot use {conf['site']}: {getattr(exc, 'strerror', None) or exc}") from exc
    model = ContactCenter(site, flavour=flavour)
    return SimBackend(model, external_answer_after=conf["external_answer_after"])


@hookimpl
def gc_schema_dirs():
    return [SCHEMAS]


@hookimpl
def gc_commands():
    return list(traffic.COMMANDS)


@hookimpl
def gc_startup(connector):
    demos = []
    for backend in connector.backends.of_type("sim"):
        conf = connector.backends.configs[backend.instance].settings
        if conf["demo_call_interval"] > 0:
            demo = traffic.DemoTraffic(backend, conf["demo_call_interval"], conf["demo_call_duration"])
            demo.start()
            demos.append(demo)
    connector.extras["sim.demo"] = demos


@hookimpl
def gc_shutdown(connector):
    for demo in connector.extras.pop("sim.demo", None) or []:
        demo.stop()


@hookimpl
def gc_cli(subparsers):
    cli.add_commands(subparsers)
