"""A CLI without tracebacks (issue 16): each mistake a user makes is one line on stderr
saying what is wrong and what to do, with its exit status (gc_core.exits): 78 for the
configuration, 2 for the command line, 69 when the server to talk to is not there.
``gc serve`` may have logged its start-up (timestamped log lines) before the one line."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


def gc(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GC")}
    env.update(HOME=str(cwd), XDG_CONFIG_HOME=str(cwd / "xdg"), GC__TCP__PORT="0", GC__WEBSOCKET__PORT="0")
    return subprocess.run([sys.executable, "-m", "gc_core.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def one_line(res: subprocess.CompletedProcess) -> str:
    """The error line: stderr is it alone, after start-up log lines at most."""
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert lines, "nothing on stderr"
    assert all(LOG_LINE.match(line) for line in lines[:-1]), res.stderr
    assert lines[-1].startswith("gc") and not LOG_LINE.match(lines[-1])
    return lines[-1]


def only_line(res: subprocess.CompletedProcess) -> str:
    """stderr is the error line and nothing else (no start-up or "stopping" log line)."""
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.fixture
def busy_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


def test_port_in_use(tmp_path, busy_port):
    res = gc("serve", "--set", f"tcp.port={busy_port}", cwd=tmp_path)
    assert res.returncode == 78
    assert only_line(res) == (f"gc: cannot listen on 127.0.0.1:{busy_port}: the address is in use: stop the other "
                             f"server or choose another address (--set tcp.port=N)")


def test_missing_configuration_file(tmp_path):
    res = gc("serve", "--config", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert res.returncode == 78
    assert one_line(res).startswith(f"gc: cannot read configuration {tmp_path / 'nope.toml'}: ")
    assert "No such file or directory" in res.stderr


def test_unreadable_configuration_file(tmp_path):
    (tmp_path / "conf.d").mkdir()  # a directory: no user, root included, can read it as a file
    res = gc("config", "show", "--config", str(tmp_path / "conf.d"), cwd=tmp_path)
    assert res.returncode == 78
    assert one_line(res).startswith(f"gc: cannot read configuration {tmp_path / 'conf.d'}: ")
    bad = tmp_path / "bad.toml"
    bad.write_text("[tcp]\nport = = 1\n")
    res = gc("serve", "--config", str(bad), cwd=tmp_path)
    assert res.returncode == 78 and one_line(res).startswith(f"gc: cannot read configuration {bad}: ")


def test_bad_value_in_configuration(tmp_path):
    res = gc("serve", "--set", "sim.flavour=UCCZ", cwd=tmp_path)
    assert res.returncode == 78
    assert one_line(res) == "gc: sim.flavour: 'UCCZ' is not one of UCCE, UCCX"
    res = gc("serve", "--set", "tcp.port=abc", cwd=tmp_path)
    assert res.returncode == 78 and one_line(res) == "gc: tcp.port: expected int, got 'abc'"
    res = gc("serve", "--set", 'gc.log_level="FOO"', cwd=tmp_path)
    assert res.returncode == 78
    assert one_line(res) == "gc: gc.log_level: 'FOO' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    res = gc("serve", "--set", 'sim.site="/nonexistent/site.toml"', cwd=tmp_path)
    assert res.returncode == 78
    assert one_line(res) == "gc: sim.site: cannot use /nonexistent/site.toml: No such file or directory"


def test_bad_log_level_flag_is_a_usage_error(tmp_path):
    res = gc("serve", "--log-level", "FOO", cwd=tmp_path)
    assert res.returncode == 2
    assert one_line(res) == ("gc serve: argument --log-level: invalid choice: 'FOO' (choose from 'DEBUG', 'INFO', "
                             "'WARNING', 'ERROR', 'CRITICAL') (see 'gc serve --help')")


def test_sim_without_a_server(tmp_path, busy_port):
    sock = socket.socket()  # a port nobody listens on: bind, never listen
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    try:
        res = gc("sim", "--tcp", f"127.0.0.1:{port}", "call", cwd=tmp_path)
    finally:
        sock.close()
    assert res.returncode == 69
    assert one_line(res) == (f"gc: no GC answers on 127.0.0.1:{port} (Connection refused): start `gc serve` "
                             f"with the same configuration, or name its TCP transport: gc sim ACTION --tcp HOST:PORT")


def test_schemas_validate_with_nothing_to_validate(tmp_path):
    res = gc("schemas", "validate", cwd=tmp_path)
    assert res.returncode == 2
    assert one_line(res) == ("gc: schemas validate: nothing to validate: give files (one frame or event per line, "
                             "'-' for stdin) or --frame FRAME")
    res = gc("schemas", "validate", str(tmp_path / "missing.jsonl"), cwd=tmp_path)
    assert res.returncode == 2
    assert one_line(res) == f"gc: cannot read {tmp_path / 'missing.jsonl'}: No such file or directory"


def test_unknown_command_and_option_are_usage_errors(tmp_path):
    res = gc("bogus", cwd=tmp_path)
    assert res.returncode == 2 and one_line(res).startswith("gc: argument COMMAND: invalid choice: 'bogus'")
    res = gc("serve", "--bogus", cwd=tmp_path)
    assert res.returncode == 2 and one_line(res) == "gc: unrecognized arguments: --bogus (see 'gc --help')"


@pytest.mark.parametrize("setting, value, problem", [
    ("tcp.port", "70000", "70000 is not a TCP port (0..65535)"),
    ("tcp.port", "-5", "-5 is not a TCP port (0..65535)"),
    ("websocket.port", "65536", "65536 is not a TCP port (0..65535)"),
    ("gc.event_timezone", "Mars", "'Mars' is not one of UTC, local"),
    ("gc.orphan_policy", "reboot", "'reboot' is not one of none, not_ready, logout"),
    ("gc.log_format", "xml", "'xml' is not one of text, json"),
])
def test_out_of_range_and_unknown_words_are_configuration_errors(tmp_path, setting, value, problem):
    """Checked as configuration before anything listens: the one line, nothing logged."""
    res = gc("serve", "--set", f"{setting}={value}", cwd=tmp_path)
    assert res.returncode == 78
    assert only_line(res) == f"gc: {setting}: {problem}"
    assert "GC serving" not in res.stdout


def test_configuration_rules_apply_to_files_and_accept_the_limits(tmp_path):
    (tmp_path / "gc.toml").write_text('[gc]\nevent_timezone = "Mars"\n')  # ./gc.toml, found by the search path
    res = gc("config", "show", cwd=tmp_path)
    assert res.returncode == 78 and only_line(res) == "gc: gc.event_timezone: 'Mars' is not one of UTC, local"
    # the documented values pass: port 0 (a free port), "local" in any case, metrics.port -1 (off)
    (tmp_path / "gc.toml").write_text('[gc]\nevent_timezone = "Local"\n[metrics]\nport = -1\n')
    res = gc("config", "show", "--set", "tcp.port=0", "--set", "websocket.port=65535", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = gc("config", "show", "--set", "metrics.port=-2", cwd=tmp_path)
    assert res.returncode == 78 and only_line(res) == "gc: metrics.port: -2 is not a TCP port or -1 (off) (-1..65535)"


def test_a_host_that_does_not_resolve_names_the_host_setting(tmp_path):
    res = gc("serve", "--set", "tcp.host=no-such-host.invalid", cwd=tmp_path)  # .invalid never resolves (RFC 6761)
    assert res.returncode == 78
    line = res.stderr.strip().splitlines()[-1]  # after the security warning for a non-loopback host
    assert line.startswith("gc: cannot listen on no-such-host.invalid:")
    assert "cannot resolve the host name" in line and "--set tcp.host=" in line
    assert ".port=N" not in line and "stop the other server" not in line


@pytest.mark.parametrize("flag", ["nokey", "nosection=1"])
def test_a_malformed_set_is_a_usage_error(tmp_path, flag):
    res = gc("serve", "--set", flag, cwd=tmp_path)
    assert res.returncode == 2
    assert only_line(res).startswith(f"gc: --set {flag.split('=')[0]!r}: expected section.key=value")


def test_schemas_without_an_action_lists_the_actions(tmp_path):
    res = gc("schemas", cwd=tmp_path)
    assert res.returncode == 2
    line = only_line(res)
    assert all(action in line for action in ("list", "validate", "asyncapi", "reference")), line
    assert "required" not in line and "files" not in line
