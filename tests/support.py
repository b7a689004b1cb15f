"""Helpers shared by the test modules."""
from __future__ import annotations

# Deterministic sim for tests: no demo calls, outside numbers answer only when a test says so.
SIM_TEST_CONFIG = {
    "gc": {"plugins": ["websocket", "tcp", "sim", "agent"]},
    "sim": {"demo_call_interval": 0.0, "external_answer_after": -1.0},
}


def sim_config(**sections) -> dict:
    """The test sim configuration with ``sections`` merged in (``gc={"licensed_agents": 2}``)."""
    config = {k: dict(v) for k, v in SIM_TEST_CONFIG.items()}
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    return config
