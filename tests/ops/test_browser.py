"""The demo agent desktop and the console in Debian's Chromium, driven by Playwright
(no browser download: /usr/bin/chromium, installed by .ci/install-system-deps).

Agent 1001 signs in on /demo/, goes READY, a customer calls (``gc sim call``, the
README's way of driving the sim), the agent answers and releases the call, and the
console (/console/) shows the agent's states as they happen. Screenshots go to
``test-artifacts/screenshots/`` at the repository root (``GC_ARTIFACTS_DIR`` overrides),
as the README says.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gc_core.testing import GCProcess

from tests.support import sim_config

from .helpers import http_base

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(os.environ.get("GC_ARTIFACTS_DIR") or Path(__file__).resolve().parents[2] / "test-artifacts") \
    / "screenshots"

sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):  # CI installs it (.ci/install-system-deps); say so loudly elsewhere
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def gc(tmp_path):
    config = sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", "metrics", "console", "demo"]})
    with GCProcess(config, workdir=tmp_path) as proc:
        yield proc


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sim_call(gc, from_address: str) -> None:
    host, port = gc.tcp_address
    out = subprocess.run([sys.executable, "-m", "gc_core.cli", "sim", "--tcp", f"{host}:{port}", "call",
                          "--from", from_address], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_demo_desktop_call_and_console(browser, gc):
    base = http_base(gc)
    demo = browser.new_page()
    console = browser.new_page()
    console_errors, demo_errors = [], []
    demo.on("pageerror", lambda e: demo_errors.append(str(e)))
    console.on("pageerror", lambda e: console_errors.append(str(e)))
    expect = sync_api.expect

    demo.goto(base + "/demo/")
    demo.fill("#agent", "1001")
    demo.fill("#password", "secret")
    demo.fill("#extension", "1001")
    demo.click("#btn-signin")
    expect(demo.locator("#state")).to_have_text("NOT_READY", timeout=20000)
    expect(demo.locator("#agent-name")).to_contain_text("1001")
    expect(demo.locator("#system")).to_have_text("IN_SERVICE")
    demo.click("#btn-ready")
    expect(demo.locator("#state")).to_have_text("READY", timeout=20000)

    console.goto(base + "/console/")
    agent_row = console.locator('#agents tr[data-key="1001"]')
    expect(agent_row.locator(".state")).to_have_text("READY", timeout=20000)
    shot(demo, "demo-ready")

    sim_call(gc, "5550177")
    answer = demo.locator('#calls button[data-action="answer"]')
    expect(answer).to_be_visible(timeout=20000)
    expect(demo.locator("#calls")).to_contain_text("5550177")
    expect(agent_row.locator(".state")).to_have_text("RESERVED", timeout=20000)
    shot(demo, "demo-ringing")
    answer.click()
    expect(demo.locator("#state")).to_have_text("TALKING", timeout=20000)
    expect(demo.locator("#calls .call-state")).to_have_text("ACTIVE")
    expect(agent_row.locator(".state")).to_have_text("TALKING", timeout=20000)
    expect(agent_row).to_contain_text("5550177")  # the console lists the agent's call
    shot(demo, "demo-talking")
    shot(console, "console-talking")

    demo.locator('#calls button[data-action="release"]').click()
    expect(demo.locator("#calls tbody tr")).to_have_count(0, timeout=20000)
    expect(demo.locator("#state")).not_to_have_text("TALKING", timeout=20000)
    after = demo.locator("#state").inner_text()
    assert after in ("READY", "NOT_READY", "WORK", "WORK_READY"), after
    expect(agent_row.locator(".state")).to_have_text(after, timeout=20000)
    expect(console.locator("#destinations")).to_contain_text("demo-1001")
    expect(console.locator('.chart[data-series="commands/s"]')).to_be_visible()
    shot(demo, "demo-released")
    shot(console, "console-released")

    # the event log shows frames both ways
    expect(demo.locator("#log li.out").first).to_contain_text('"type":"Hello"')
    assert demo.locator("#log li.in").count() > 5
    assert not demo_errors and not console_errors, (demo_errors, console_errors)


def test_console_opened_with_a_credential_keeps_polling_with_it(browser, tmp_path):
    """With ``gc.client_secret`` set, /console/?credential=<secret> shows live status:
    the page's polls of status.json carry the credential the page was opened with."""
    from urllib.parse import quote
    expect = sync_api.expect
    secret = "console-secret-0123456789"
    config = sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", "console"], "client_secret": secret})
    with GCProcess(config, workdir=tmp_path) as gc:
        page = browser.new_page()
        errors: list = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        statuses: list = []
        page.on("response", lambda r: statuses.append(r.status) if "status.json" in r.url else None)
        page.goto(http_base(gc) + "/console/?credential=" + quote(secret))
        expect(page.locator("#status")).not_to_contain_text("HTTP 401")
        expect(page.locator("#transports")).to_contain_text("websocket")
        assert statuses and set(statuses) == {200}, statuses
        page.close()
        assert not errors, errors
