"""Broker credentials and TLS are configuration: GC reaches a broker that refuses
anonymous users over stomp+ssl with a certificate it verifies; a wrong password is
retried with backoff, logged without the password, and leaves TCP clients served."""
from __future__ import annotations

import pytest

from gc_stomp.activemq import ActiveMQ
from tests.agent.helpers import PASSWORD

from .conftest import stomp_gc
from .jms import JmsClient
from .test_broker_loss import wait_for_log

GC_BROKER_PASSWORD = "gc-broker-Pw-7731"
CRM_BROKER_PASSWORD = "crm-broker-Pw-4410"


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory):
    with ActiveMQ(tmp_path_factory.mktemp("amq-tls"), tls=True,
                  users={"gc": GC_BROKER_PASSWORD, "crm": CRM_BROKER_PASSWORD}) as b:
        yield b


def test_tls_and_credentials(secure_broker, tmp_path):
    secret = tmp_path / "broker-password"
    secret.write_text(GC_BROKER_PASSWORD + "\n")
    gc = stomp_gc(secure_broker, tmp_path / "gc", queue="SEC",
                  stomp={"tls": True, "tls_ca_file": str(secure_broker.ca_file), "login": "gc",
                         "password_file": str(secret)})
    try:
        wait_for_log(gc, "started: consuming from broker stomp+ssl://")
        crm = JmsClient(secure_broker.host_port, "crm-sec", queue_name="SEC", user=("crm", CRM_BROKER_PASSWORD),
                        ca_file=str(secure_broker.ca_file))
        crm.send("Hello#crm-sec")
        assert crm.expect("System")["status"] == "IN_SERVICE"
        crm.send("Connect#1001", f"crm-sec,{PASSWORD}")
        crm.send("Login#1001", f"{PASSWORD},1001")
        crm.expect("AgentInfo", agentId="1001")
        crm.close()
    finally:
        gc.stop()
    assert GC_BROKER_PASSWORD not in gc.log()


def test_wrong_broker_password_is_retried_and_not_logged(secure_broker, tmp_path):
    gc = stomp_gc(secure_broker, tmp_path / "gc", queue="SEC2",
                  stomp={"tls": True, "tls_ca_file": str(secure_broker.ca_file), "login": "gc",
                         "password": "not-the-Pw-9921"})
    try:
        wait_for_log(gc, "unreachable")
        with gc.client("tcp") as tcp:  # the other transports serve as ever
            tcp.send("Hello#desk-sec")
            assert tcp.expect("System")["status"] == "IN_SERVICE"
        wait_for_log(gc, "(attempt 10)")  # still retrying, with backoff
        assert "consuming from broker" not in gc.log()
    finally:
        gc.stop()
    assert "not-the-Pw-9921" not in gc.log()
