"""`python -m gc_finesse_emulator` / `gc emulator finesse`: a real process with Prosody."""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import requests

import gc_finesse_emulator
from gc_finesse_emulator import cli


def test_gc_cli_hook_adds_emulator_finesse():
    parser = argparse.ArgumentParser(prog="gc")
    sub = parser.add_subparsers(dest="command")
    gc_finesse_emulator.gc_cli(subparsers=sub)
    args = parser.parse_args(["emulator", "finesse", "--flavour", "UCCX", "--secondary", "--rest-port", "0"])
    assert args.func is cli.run
    assert args.flavour == "uccx" and args.secondary and args.site == ""


def test_module_runs_and_stops_cleanly_on_sigterm(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "gc_finesse_emulator", "--flavour", "uccx", "--secondary"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    lines = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.strip() == "READY":
                break
        out = "".join(lines)
        assert "READY" in out, out
        rest = re.findall(r"(primary|secondary): REST (\S+)\s+XMPP 127\.0\.0\.1:(\d+)", out)
        assert [r[0] for r in rest] == ["primary", "secondary"], out
        for _name, url, _xmpp in rest:
            info = ET.fromstring(requests.get(url + "/SystemInfo", timeout=10).text)
            assert info.findtext("deploymentType") == "UCCX"
            assert info.findtext("status") == "IN_SERVICE"
        xmpp_ports = [int(r[2]) for r in rest]
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    for port in xmpp_ports:  # its Prosody children are gone with it
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            continue
        raise AssertionError(f"XMPP port {port} still open after the emulator stopped")


def test_gc_command_line_offers_emulator_finesse():
    out = subprocess.run([sys.executable, "-m", "gc_core.cli", "emulator", "finesse", "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "--flavour" in out.stdout and "--secondary" in out.stdout
