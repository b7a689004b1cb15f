"""Helpers of the operations tests: HTTP reads of a running GC and its metrics parsed
with prometheus-client's own parser (the format Prometheus scrapes)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Callable, Optional

from prometheus_client.parser import text_string_to_metric_families


def http_base(gc) -> str:
    """http://host:port of the WebSocket port's HTTP side."""
    return gc.ws_url.replace("ws://", "http://", 1).rsplit("/", 1)[0]


def http_get(url: str, timeout: float = 30.0, headers: Optional[dict] = None) -> tuple[int, str, dict]:
    """(status, body, headers); 4xx/5xx answers are returned, not raised."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted label items): value}."""
    status, body, headers = http_get(url)
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain"), headers
    samples = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    """One sample's value, 0.0 when absent (a labelled counter not yet moved)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict, name: str, **labels) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, lab), v in samples.items() if n == name and want <= set(lab))


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition",
             interval: float = 0.02) -> object:
    """Poll until ``predicate()`` is truthy (a deadline against hanging, not a measurement)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = predicate()
        except OSError:  # GC busy past the read timeout: ask again until the deadline
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def readyz(base: str) -> tuple[int, Optional[dict]]:
    status, body, _ = http_get(base + "/readyz")
    return status, json.loads(body)
