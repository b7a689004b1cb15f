"""Issue 10, row 8 (and must-hold 3): TLS on both listeners with a certificate of a
test CA made here (openssl), a WebSocket origin allow-list, a client credential on the
upgrade or on Hello, and a loud warning when a listener binds a non-loopback address
without TLS."""
from __future__ import annotations

import json
import socket
import ssl
import time

import pytest
import websocket  # websocket-client

from gc_core.testing import GCProcess
from gc_core.transport_security import sign_token

from tests.support import make_test_pki, sim_config

SECRET = "s3cret-for-clients-7d1e"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test CA and a server certificate for 127.0.0.1 / localhost signed by it."""
    d = tmp_path_factory.mktemp("pki")
    make_test_pki(d)
    return d


def _tls_conf(pki) -> dict:
    return {"tls_cert": str(pki / "server.pem"), "tls_key": str(pki / "server.key")}


def _ctx(pki) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pki / "ca.pem"))


def _tls_tcp(gc, pki) -> ssl.SSLSocket:
    raw = socket.create_connection(gc.tcp_address, timeout=10)
    return _ctx(pki).wrap_socket(raw, server_hostname="127.0.0.1")


def _lines(sock, n: int) -> list:
    buf, out = b"", []
    while len(out) < n:
        data = sock.recv(65536)
        if not data:
            break
        buf += data
        *lines, buf = buf.split(b"\n")
        out += [json.loads(x) for x in lines]
    return out


def test_tls_on_both_listeners_with_a_test_ca(tmp_path, pki):
    config = sim_config(websocket=_tls_conf(pki), tcp=_tls_conf(pki))
    with GCProcess(config, workdir=tmp_path) as gc:
        assert gc.ws_url.startswith("wss://")
        ws = websocket.create_connection(gc.ws_url, timeout=10, sslopt={"ca_certs": str(pki / "ca.pem")})
        ws.send(json.dumps({"type": "Connect", "agentId": "1001",
                            "params": {"clientDestination": "tls-ws", "password": "secret"}}))
        ws.send(json.dumps({"type": "GetState", "agentId": "1001", "requestId": "w"}))
        assert json.loads(ws.recv())["requestId"] == "w"
        ws.close()
        tcp = _tls_tcp(gc, pki)
        tcp.sendall(b"Connect#1002|tls-tcp,secret\nGetState#1002\n")
        assert _lines(tcp, 1)[0]["agentId"] == "1002"
        tcp.close()
        # a client that does not trust the CA (or speaks plain text) gets nothing
        with pytest.raises(ssl.SSLError):
            ssl.create_default_context().wrap_socket(socket.create_connection(gc.tcp_address, timeout=10),
                                                     server_hostname="127.0.0.1")
        plain = socket.create_connection(gc.tcp_address, timeout=10)
        plain.sendall(b"Hello#plain\n")
        try:
            assert b"System" not in plain.recv(65536)
        except ConnectionResetError:
            pass  # the TLS listener drops it
        plain.close()
        assert "Traceback" not in gc.log() and "WITHOUT TLS" not in gc.log()


def test_origin_allow_list(gc_plain):
    url = gc_plain.ws_url
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, timeout=10, origin="https://elsewhere.example")
    assert refused.value.status_code == 403
    for origin in (None, "https://crm.example", f"http://{url.split('/')[2]}"):  # listed, and same origin
        ws = websocket.create_connection(url, timeout=10, **({"origin": origin} if origin else {}),
                                         header=[f"Authorization: Bearer {SECRET}"])
        ws.send("Hello#origin-ok")
        assert json.loads(ws.recv())["type"] == "System"
        ws.close()


@pytest.fixture(scope="module")
def gc_plain(tmp_path_factory):
    config = sim_config(websocket={"allowed_origins": ["https://crm.example"]}, gc={"client_secret": SECRET})
    with GCProcess(config, workdir=tmp_path_factory.mktemp("gc")) as gc:
        yield gc


def test_client_credential_on_upgrade_or_hello(gc_plain):
    gc = gc_plain
    # on the upgrade: a wrong one is refused with 401
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(gc.ws_url, timeout=10, header=["Authorization: Bearer wrong"])
    assert refused.value.status_code == 401
    # a signed token in the query string (what a browser can do)
    token = sign_token(SECRET, "desk-7", int(time.time()) + 600)
    ws = websocket.create_connection(f"{gc.ws_url}?credential={token}", timeout=10)
    ws.send("Connect#1001|cred-ws,secret")
    ws.send(json.dumps({"type": "GetState", "agentId": "1001", "requestId": "g"}))
    assert json.loads(ws.recv())["requestId"] == "g"
    ws.close()
    # TCP: nothing but Hello with the credential is accepted before it
    sock = socket.create_connection(gc.tcp_address, timeout=10)
    sock.sendall(b"Connect#1002|cred-tcp,secret\nHello#cred-tcp\n")
    errors = _lines(sock, 2)
    assert [e["errorCode"] for e in errors] == ["SUBSCRIPTION_FAILED"] * 2
    assert "client credential" in errors[0]["errorDescription"]
    expired = sign_token(SECRET, "desk-7", int(time.time()) - 1)
    sock.sendall(json.dumps({"type": "Hello", "params": {"clientDestination": "cred-tcp",
                                                         "clientCredential": expired}}).encode() + b"\n")
    assert _lines(sock, 1)[0]["errorCode"] == "SUBSCRIPTION_FAILED"
    sock.sendall(f"Hello#cred-tcp|,{SECRET}\n".encode())
    assert _lines(sock, 1)[0]["type"] == "System"
    sock.sendall(b"Connect#1002|cred-tcp,secret\nGetState#1002\n")
    assert _lines(sock, 1)[0]["agentId"] == "1002"
    sock.close()
    assert SECRET not in gc.log() and token not in gc.log()


def test_loud_warning_without_tls_on_a_non_loopback_address(tmp_path):
    config = sim_config(tcp={"host": "0.0.0.0"})
    with GCProcess(config, workdir=tmp_path) as gc:
        log = gc.log()
    assert log.count("the tcp listener binds 0.0.0.0 (not loopback) WITHOUT TLS") == 1  # once, not log + print
    assert "the websocket listener binds" not in log  # loopback: no warning


def test_loud_warning_survives_a_quiet_log_level(tmp_path):
    config = sim_config(tcp={"host": "0.0.0.0"})
    config["gc"]["log_level"] = "ERROR"
    with GCProcess(config, workdir=tmp_path) as gc:
        log = gc.log()
    assert log.count("the tcp listener binds 0.0.0.0 (not loopback) WITHOUT TLS") == 1
