"""The REST client's rules, against a tiny real HTTP server of the test's own (the
emulator cannot be slow or hostile on demand): retries of timed-out GETs then
NOT_REACHABLE, no retry of a PUT, never a 401 twice, the requestId header, HTTP
Basic / Bearer, refused connections (DOWN), and hostile XML that must neither
expand entities nor read files."""
from __future__ import annotations

import base64
import collections
import http.server
import socket
import threading
import time

import pytest

from gc_core.errors import BackendError
from gc_finesse.rest import BasicAuth, RestClient, credentials
from gc_finesse.settings import DEFAULTS, FinesseSettings, Node

from tests.support import make_test_pki

API_ERR = ("<ApiErrors><ApiError><ErrorType>{t}</ErrorType><ErrorData>{d}</ErrorData>"
           "<ErrorMessage>{m}</ErrorMessage></ApiError></ApiErrors>")
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 9))
          + ']><User><loginId>&lol8;</loginId></User>')
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/hostname">]><User><loginId>&x;</loginId></User>'


class Fixture(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list = []
        self.counts: collections.Counter = collections.Counter()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status: int, body: str = "") -> None:
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            if data:
                self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout tests)

    def _any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        self.server.counts[(self.command, self.path.split("?")[0])] += 1
        path = self.path.split("?")[0].removeprefix("/finesse/api")
        if path == "/slow":
            time.sleep(0.6)
            return self._answer(200, "<User><loginId>late</loginId></User>")
        if path == "/unauth":
            return self._answer(401, API_ERR.format(t="Authorization Failure", d="", m="UNAUTHORIZED"))
        if path == "/forbidden-team":
            return self._answer(401, API_ERR.format(t="Invalid Supervisor", d="7", m="not a supervisor of 7"))
        if path == "/down":
            return self._answer(503, API_ERR.format(t="Service Unavailable", d="", m="SERVER_OUT_OF_SERVICE"))
        if path == "/notimpl":
            return self._answer(501, API_ERR.format(t="Not Implemented", d="", m="TRANSFER_SST"))
        if path == "/laughs":
            return self._answer(200, LAUGHS)
        if path == "/external":
            return self._answer(200, EXTERNAL)
        if path == "/cookie":  # Finesse's servlet container hands out session cookies
            data = b"<User><loginId>1001</loginId></User>"
            self.send_response(200)
            self.send_header("Set-Cookie", "JSESSIONID=of-1001; Path=/")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        if path == "/html":
            return self._answer(502, "<html><body>Bad gateway</body></html>")
        return self._answer(202 if self.command != "GET" else 200,
                            "" if self.command != "GET" else "<User><loginId>1001</loginId></User>")

    do_GET = do_PUT = do_POST = _any


@pytest.fixture(scope="module")
def server():
    srv = Fixture()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def settings(**over) -> FinesseSettings:
    conf = dict(DEFAULTS, primary_host="127.0.0.1", scheme="http", connect_timeout=1.0, read_timeout=0.2)
    conf.update(over)
    return FinesseSettings.from_config(conf)


class Recorder:
    def __init__(self):
        self.trouble: list = []
        self.refused: list = []


def client(server, auth=None, **over):
    s = settings(primary_port=server.server_address[1], **over)
    rec = Recorder()
    rc = RestClient(s, "1001", auth or BasicAuth("1001", "pw-1001"), lambda: s.primary,
                    on_trouble=lambda kind, why: rec.trouble.append(kind),
                    on_auth_refused=lambda why: rec.refused.append(why))
    return rc, rec


def test_a_timed_out_get_is_retried_twice_then_not_reachable(server):
    rc, rec = client(server)
    with pytest.raises(BackendError) as info:
        rc.get("/slow")
    assert info.value.code == "NOT_REACHABLE"
    assert server.counts[("GET", "/finesse/api/slow")] == 3
    assert rec.trouble == ["NOT_REACHABLE"]


def test_a_timed_out_put_is_not_retried(server):
    rc, rec = client(server)
    with pytest.raises(BackendError) as info:
        rc.put("/slow", b"<User><state>READY</state></User>", "r-1")
    assert info.value.code == "NOT_REACHABLE"
    assert server.counts[("PUT", "/finesse/api/slow")] == 1


def test_a_401_is_never_sent_twice(server):
    rc, rec = client(server)
    for _ in range(3):
        with pytest.raises(BackendError) as info:
            rc.put("/unauth", b"<User><state>READY</state></User>")
        assert (info.value.code, info.value.details["httpStatus"]) == ("SUBSCRIPTION_FAILED", 401)
    with pytest.raises(BackendError):
        rc.get("/anything")
    assert server.counts[("PUT", "/finesse/api/unauth")] == 1
    assert server.counts[("GET", "/finesse/api/anything")] == 0
    assert rec.refused == ["UNAUTHORIZED"]


def test_a_401_that_is_not_about_the_password_does_not_block_the_agent(server):
    rc, rec = client(server)
    with pytest.raises(BackendError) as info:
        rc.get("/forbidden-team")
    assert info.value.details["finesseErrorType"] == "Invalid Supervisor"
    assert rc.get("/User/1001").tag == "user"
    assert rec.refused == []


def test_request_id_header_and_basic_auth(server):
    rc, _ = client(server)
    rc.put("/User/1001", b"<User><state>READY</state></User>", "c-42")
    rc.get("/User/1001")
    (m1, p1, h1, body), (m2, p2, h2, _) = server.seen[-2:]
    assert (m1, p1, h1["requestId"], h1["Content-Type"]) == ("PUT", "/finesse/api/User/1001", "c-42",
                                                              "application/xml")
    assert body == b"<User><state>READY</state></User>"
    assert h1["Authorization"] == "Basic " + base64.b64encode(b"1001:pw-1001").decode()
    assert "requestId" not in h2


def test_bearer_token_for_sso(server):
    s = settings(auth="bearer", primary_port=server.server_address[1])
    creds = credentials(s, "1001", "tok-abc")
    assert creds.xmpp_secret == "tok-abc" and "tok-abc" not in repr(creds)
    rc = RestClient(s, "1001", creds.auth, lambda: s.primary)
    rc.get("/User/1001")
    assert server.seen[-1][2]["Authorization"] == "Bearer tok-abc"


def test_pluggable_token_provider(server):
    s = settings(auth="bearer", token_provider="tests.finesse.test_rest:fake_idp")
    from gc_finesse.rest import load_token_provider
    creds = credentials(s, "1001", "code-9", load_token_provider(s.token_provider))
    assert creds.xmpp_secret == "token-for-1001-code-9"


def fake_idp(agent_id: str, secret: str) -> str:
    return f"token-for-{agent_id}-{secret}"


def test_out_of_service_and_not_implemented(server):
    rc, rec = client(server)
    with pytest.raises(BackendError) as info:
        rc.get("/down")
    assert info.value.code == "DOWN" and rec.trouble == ["OUT_OF_SERVICE"]
    with pytest.raises(BackendError) as info:
        rc.put("/notimpl", b"<Dialog/>")
    assert info.value.code == "CF_GENERIC_UNSPECIFIED_REJECTION" and "not supported" in info.value.description
    with pytest.raises(BackendError) as info:
        rc.get("/html")
    assert (info.value.code, info.value.details["httpStatus"]) == ("GENERAL_ERROR", 502)


def test_hostile_xml_is_refused_not_expanded(server):
    rc, _ = client(server)
    t0 = time.monotonic()
    for path in ("/laughs", "/external"):
        with pytest.raises(BackendError) as info:
            rc.get(path)
        assert info.value.code == "GENERAL_ERROR" and "not allowed" in info.value.description
    assert time.monotonic() - t0 < 5  # no exponential expansion happened (loose sanity bound)


def test_refused_connection_is_down_at_once():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nobody listens there
    st = settings(primary_port=port)
    kinds = []
    rc = RestClient(st, "1001", BasicAuth("1001", "x"), lambda: st.primary, on_trouble=lambda k, w: kinds.append(k))
    with pytest.raises(BackendError) as info:
        rc.get("/User/1001")
    assert info.value.code == "DOWN" and kinds == ["DOWN"] and rc.requests_sent == 1


def test_settings_reject_bad_values_and_hide_secrets():
    from gc_core.errors import GCError
    for bad in ({"flavour": "CCX"}, {"scheme": "ftp"}, {"primary_host": ""}, {"xmpp_tls": "maybe"},
                {"auth": "kerberos"}, {"xmpp_resource": "desktop"}):
        with pytest.raises(GCError):
            settings(**bad)
    s = settings(team_reader_id="sup", team_reader_password="Top-Secret-1")
    assert "Top-Secret-1" not in repr(s)
    assert settings(ca_bundle="/etc/ssl/certs/ca-certificates.crt").verify == "/etc/ssl/certs/ca-certificates.crt"
    assert settings(verify_tls=False, ca_bundle="/x").verify is False
    assert isinstance(settings().primary, Node) and settings().primary.base_url == "http://127.0.0.1:8445/finesse/api"


def test_agents_share_connections_but_never_credentials_or_cookies(server):
    """One shared session per backend: each request carries its own agent's
    credentials, and a cookie Finesse set for one agent is never sent for another."""
    from gc_finesse.rest import shared_http
    s = settings(primary_port=server.server_address[1])
    http = shared_http(s)
    a = RestClient(s, "1001", BasicAuth("1001", "pw-1001"), lambda: s.primary, http=http)
    b = RestClient(s, "1002", BasicAuth("1002", "pw-1002"), lambda: s.primary, http=http)
    server.seen.clear()
    a.get("/cookie")
    b.get("/User/1002")
    a.get("/User/1001")
    (_, _, ha, _), (_, _, hb, _), (_, _, ha2, _) = server.seen[-3:]
    basic = {h: base64.b64decode(v["Authorization"].split()[1]).decode() for h, v in (("a", ha), ("b", hb))}
    assert basic == {"a": "1001:pw-1001", "b": "1002:pw-1002"}
    assert base64.b64decode(ha2["Authorization"].split()[1]).decode() == "1001:pw-1001"
    assert "Cookie" not in hb and "Cookie" not in ha2
    a.close()  # an agent leaving does not close the connections the others use
    b.get("/User/1002")
    assert server.seen[-1][1].endswith("/User/1002")
    http.close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The fixture server over HTTPS with a certificate of a test CA made here (openssl)."""
    import ssl
    d = tmp_path_factory.mktemp("rest-pki")
    make_test_pki(d)
    srv = Fixture()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "server.pem", d / "server.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv, d / "ca.pem"
    srv.shutdown()
    srv.server_close()


def test_https_trusts_the_configured_ca_bundle_only(tls_server):
    srv, ca = tls_server
    port = srv.server_address[1]

    def get(**over):
        s = settings(scheme="https", primary_port=port, connect_timeout=10.0, read_timeout=10.0, **over)
        rc = RestClient(s, "1001", BasicAuth("1001", "pw-1001"), lambda: s.primary)
        try:
            return rc.get("/User/1001")
        finally:
            rc.close()
    assert get(ca_bundle=str(ca)).findtext("loginid") == "1001"
    assert get(verify_tls=False).findtext("loginid") == "1001"
    with pytest.raises(BackendError) as info:
        get()  # the public CAs do not know the test CA
    assert info.value.code == "DOWN" and "TLS" in info.value.description
