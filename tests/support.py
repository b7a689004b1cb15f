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


def signed_in(gc, agent: str, dest: str, transport: str = "websocket", password: str = "secret"):
    """A client of ``gc`` on destination ``dest`` (Hello answered IN_SERVICE) with
    ``agent`` connected and signed in (Login with its extension = its id, AgentInfo)."""
    c = gc.client(transport)
    c.send({"type": "Hello", "params": {"clientDestination": dest}})
    assert c.expect("System")["status"] == "IN_SERVICE"
    c.send({"type": "Connect", "agentId": agent, "params": {"clientDestination": dest, "password": password}})
    c.send({"type": "Login", "agentId": agent, "params": {"password": password, "extension": agent},
            "requestId": "login"})
    c.expect("AgentInfo", requestId="login")
    return c


def make_test_pki(directory) -> None:
    """A test CA (``ca.pem``, ``ca.key``) and a server certificate for 127.0.0.1 and
    localhost signed by it (``server.pem``, ``server.key``), made in ``directory`` with
    openssl (two days' validity)."""
    import subprocess

    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=GC test CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
        "-out", "server.csr")
    (directory / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem")
