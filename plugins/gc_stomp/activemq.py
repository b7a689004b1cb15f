"""A private ActiveMQ broker for tests and benchmarks: Debian's ``activemq`` package
run in the foreground with a configuration of its own.

``java -jar /usr/share/activemq/bin/activemq.jar start xbean:file:<dir>/conf/activemq.xml``
with ``activemq.home`` = ``/usr/share/activemq`` and ``activemq.base/conf/data`` in a
directory of the caller's: one STOMP connector on a free loopback port, no OpenWire,
no JMX, no web console, no persistence (messages live in the broker's memory, which
is what the tests need: the broker outlives the GC processes they kill). Optionally
broker users (``users={"gc": "pw"}``: anonymous access refused) and TLS
(``tls=True``: ``stomp+ssl`` with a self-signed certificate for 127.0.0.1 made with the
JRE's keytool; ``ca_file`` is its PEM for clients). Stopped by its PID. Needs ``activemq`` and ``default-jre-headless`` (``.ci/install-system-deps``).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Optional

KEYSTORE_PASSWORD = "gc-test-keystore"
ACTIVEMQ_HOME = Path(os.environ.get("GC_ACTIVEMQ_HOME", "/usr/share/activemq"))

CONFIG = """<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="gc-test" useJmx="false"
          persistent="false" dataDirectory="{data}" schedulerSupport="false">
{plugins}{ssl}    <transportConnectors>
      <transportConnector name="stomp" uri="{scheme}://127.0.0.1:{port}?transport.closeAsync=false"/>
    </transportConnectors>
  </broker>
</beans>
"""
USERS = """    <plugins>
      <simpleAuthenticationPlugin anonymousAccessAllowed="false">
        <users>
{users}        </users>
      </simpleAuthenticationPlugin>
    </plugins>
"""
SSL = """    <sslContext>
      <sslContext keyStore="file:{keystore}" keyStorePassword="{password}"/>
    </sslContext>
"""


def available() -> Optional[str]:
    """None when a broker can run here, else why not."""
    if not (ACTIVEMQ_HOME / "bin" / "activemq.jar").is_file():
        return f"no {ACTIVEMQ_HOME}/bin/activemq.jar (apt-get install activemq)"
    if shutil.which("java") is None:
        return "no java (apt-get install default-jre-headless)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ActiveMQ:
    """``with ActiveMQ(dir) as broker:`` -> ``broker.port`` serves STOMP on 127.0.0.1.
    ``stop()`` then ``start()`` again brings it back on the same port."""

    def __init__(self, directory: Path, port: int = 0, start_timeout: float = 60.0,
                 users: Optional[dict] = None, tls: bool = False):
        self.dir = Path(directory)
        self.port = port or free_port()
        self.users = dict(users or {})
        self.tls = tls
        self.ca_file = self.dir / "broker-cert.pem"
        self.start_timeout = start_timeout
        self.proc: Optional[subprocess.Popen] = None

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "ActiveMQ":
        problem = available()
        if problem:
            raise RuntimeError(problem)
        conf, data = self.dir / "conf", self.dir / "data"
        conf.mkdir(parents=True, exist_ok=True)
        data.mkdir(parents=True, exist_ok=True)
        plugins = ssl = ""
        if self.users:
            plugins = USERS.format(users="".join(
                f'          <authenticationUser username="{u}" password="{p}" groups="users"/>\n'
                for u, p in self.users.items()))
        if self.tls:
            ssl = SSL.format(keystore=self._keystore(), password=KEYSTORE_PASSWORD)
        (conf / "activemq.xml").write_text(CONFIG.format(
            port=self.port, data=data, plugins=plugins, ssl=ssl, scheme="stomp+ssl" if self.tls else "stomp"))
        cmd = ["java", "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               f"-Dactivemq.home={ACTIVEMQ_HOME}", f"-Dactivemq.base={self.dir}",
               f"-Dactivemq.conf={conf}", f"-Dactivemq.data={data}",
               "-jar", str(ACTIVEMQ_HOME / "bin" / "activemq.jar"), "start", f"xbean:file:{conf / 'activemq.xml'}"]
        self._log = open(self.dir / "activemq.log", "ab")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ActiveMQ exited with {self.proc.returncode}: {self.log()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"ActiveMQ did not listen on {self.port}: {self.log()[-3000:]}")

    def _keystore(self) -> Path:
        """A PKCS12 keystore with a self-signed key for 127.0.0.1 (once), and its PEM."""
        store = self.dir / "broker.p12"
        if not store.exists():
            keytool = ["keytool", "-storetype", "PKCS12", "-keystore", str(store), "-storepass", KEYSTORE_PASSWORD]
            subprocess.run(keytool + ["-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048",
                                      "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                                      "-keypass", KEYSTORE_PASSWORD], check=True, capture_output=True)
            subprocess.run(keytool + ["-exportcert", "-rfc", "-alias", "broker", "-file", str(self.ca_file)],
                           check=True, capture_output=True)
        return store

    def log(self) -> str:
        path = self.dir / "activemq.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, timeout: float = 15.0) -> None:
        """By PID: SIGTERM, then SIGKILL if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._log.close()

    def kill(self) -> None:
        """SIGKILL by PID (a broker crash)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stop()

    def __enter__(self) -> "ActiveMQ":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
