"""Configuration for installed users: the search path, ``gc config show`` / ``example``,
``*_file`` secrets, ``gc --version`` (issue 16). Every ``gc`` here runs as a user runs
it: a subprocess in a directory of the test's own, with its own HOME."""
from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gc_core.config import is_secret, search_path
from gc_core.resources import conf_dir


def gc(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GC_")}
    base.update({"HOME": str(cwd / "home"), "XDG_CONFIG_HOME": str(cwd / "xdg")})
    return subprocess.run([sys.executable, "-m", "gc_core.cli", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def shown(res: subprocess.CompletedProcess) -> dict:
    """The TOML part of ``gc config show`` (after its comment lines)."""
    return tomllib.loads(res.stdout)


def test_version_is_the_distribution_version(tmp_path):
    version = importlib.metadata.version("generic-connector")
    res = gc("--version", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.strip() == f"generic-connector {version}"


def test_search_path_order(tmp_path):
    path = search_path({"XDG_CONFIG_HOME": "/x", "HOME": "/h"})
    assert path == [Path("gc.toml"), Path("/x/generic-connector/gc.toml"),
                    Path("/etc/generic-connector/gc.toml"), conf_dir() / "gc.toml"]
    assert search_path({"HOME": "/h"})[1] == Path("/h/.config/generic-connector/gc.toml")


def test_show_names_the_packaged_default_when_nothing_else_exists(tmp_path):
    res = gc("config", "show", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    first = res.stdout.splitlines()[0]
    assert first.startswith(f"# configuration file: {conf_dir() / 'gc.toml'} (searched: gc.toml, ")
    packaged = tomllib.loads((conf_dir() / "gc.toml").read_text())
    assert shown(res)["gc"]["plugins"] == packaged["gc"]["plugins"]


def test_xdg_file_wins_over_the_default_and_cwd_file_over_xdg(tmp_path):
    xdg = tmp_path / "xdg" / "generic-connector"
    xdg.mkdir(parents=True)
    (xdg / "gc.toml").write_text("[tcp]\nport = 9100\n")
    res = gc("config", "show", cwd=tmp_path)
    assert res.stdout.startswith(f"# configuration file: {xdg / 'gc.toml'} ")
    assert shown(res)["tcp"]["port"] == 9100
    (tmp_path / "gc.toml").write_text("[tcp]\nport = 9200\n")
    res = gc("config", "show", cwd=tmp_path)
    assert res.stdout.startswith("# configuration file: gc.toml ")
    assert shown(res)["tcp"]["port"] == 9200
    # --config replaces the search; environment and --set still apply on top
    other = tmp_path / "other.toml"
    other.write_text("[tcp]\nport = 9300\n")
    res = gc("config", "show", "--config", str(other), "--set", "websocket.port=9400", cwd=tmp_path,
             env={"GC__TCP__HOST": "127.0.0.2"})
    assert res.stdout.startswith(f"# configuration file: {other}\n")
    assert shown(res)["tcp"] == {**shown(res)["tcp"], "port": 9300, "host": "127.0.0.2"}
    assert shown(res)["websocket"]["port"] == 9400


def test_secrets_masked_and_read_from_files(tmp_path):
    secret_file = tmp_path / "zoom-secret"
    secret_file.write_text("s3cr3t-from-file\n")
    conf = tmp_path / "zoom.toml"
    conf.write_text('[gc]\nplugins = ["websocket", "tcp", "sim", "agent", "zoom"]\n'
                    f'[zoom]\naccount_id = "acc"\nclient_id = "cid"\nclient_secret_file = "{secret_file}"\n')
    res = gc("config", "show", "--config", str(conf), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "s3cr3t" not in res.stdout
    assert shown(res)["zoom"]["client_secret"] == "***" and shown(res)["zoom"]["client_id"] == "cid"
    # the file's content is the value (trailing newline dropped): the Config sees it
    from gc_core.deployment import build
    config, _ = build([conf])
    assert config["zoom"]["client_secret"] == "s3cr3t-from-file"
    # the same through the environment, as a container passes it
    config, _ = build([conf], env={"GC__ZOOM__CLIENT_SECRET_FILE": str(secret_file)})
    assert config["zoom"]["client_secret"] == "s3cr3t-from-file"


def test_every_secret_key_has_a_file_variant():
    """Every declared key ending in password/secret is a secret, and only those."""
    from gc_core.deployment import build
    config, _ = build([], overrides=['gc.plugins=["*"]'])
    secrets = sorted(f"{s}.{k}" for s, values in config.sections().items() if isinstance(values, dict)
                     for k in values if is_secret(k))
    assert "zoom.client_secret" in secrets and "finesse.team_reader_password" in secrets
    assert not any(k.endswith(("token_provider", "token_refresh_margin")) for k in secrets)


def test_unreadable_secret_file_is_a_config_error(tmp_path):
    res = gc("config", "show", "--set", f'zoom.client_secret_file="{tmp_path}/missing"',
             "--set", 'gc.plugins=["websocket","tcp","sim","agent","zoom"]', cwd=tmp_path)
    assert res.returncode != 0
    assert f"zoom.client_secret_file: cannot read the secret file {tmp_path}/missing" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("name", ["default", "ucce", "uccx", "emulator", "features"])
def test_example_prints_a_valid_starting_file(tmp_path, name):
    res = gc("config", "example", name, cwd=tmp_path)
    assert res.returncode == 0
    expected = conf_dir() / ("gc.toml" if name == "default" else f"example-{name}.toml")
    assert res.stdout == expected.read_text()
    tomllib.loads(res.stdout)  # a TOML file a user can start from


def test_to_toml_writes_tables_as_tables():
    """gc_core.testing.to_toml (tomli-w): a table value round-trips, as a [section.sub] table."""
    import tomllib

    from gc_core.testing import to_toml
    sections = {"zoom": {"target_id": "", "agent_targets": {"1001": "meeting:85746065432"}},
                "gc": {"plugins": ["websocket", "tcp"], "licensed_agents": 0, "validate_events": True}}
    assert tomllib.loads(to_toml(sections)) == sections
    # a dotted section name is a nested table, as TOML reads [backends.east]
    text = to_toml({"backends.east": {"type": "sim", "agents": ["1001"]}, "sim": {"flavour": "UCCX"}})
    assert tomllib.loads(text) == {"backends": {"east": {"type": "sim", "agents": ["1001"]}}, "sim": {"flavour": "UCCX"}}


def test_gc_home_overrides_the_package_data_directory_by_directory(tmp_path):
    home = tmp_path / "gchome"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "gc.toml").write_text("# my site's default\n[tcp]\nport = 9555\n")
    (home / "conf" / "example-lab.toml").write_text("# the lab\n[tcp]\nport = 9556\n")
    env = {"GC_HOME": str(home)}
    assert gc("config", "example", "default", cwd=tmp_path, env=env).stdout == "# my site's default\n[tcp]\nport = 9555\n"
    assert gc("config", "example", "lab", cwd=tmp_path, env=env).stdout.startswith("# the lab")
    res = gc("config", "show", cwd=tmp_path, env=env)
    assert res.stdout.startswith(f"# configuration file: {home / 'conf' / 'gc.toml'} ")
    assert shown(res)["tcp"]["port"] == 9555
    # no schemas/ under GC_HOME: the packaged schemas are still used
    listed = gc("schemas", "list", cwd=tmp_path, env=env)
    assert listed.returncode == 0 and "command Login" in listed.stdout
