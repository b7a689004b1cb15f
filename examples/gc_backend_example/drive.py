"""A client driving GC on the example backend, as a contact-center desktop would.

Usage: python drive.py [ws://127.0.0.1:8765/gc]  (GC running with example.toml)

Agent 3001 signs in and goes READY on one WebSocket connection; a second connection
plays the customer with the example's ExampleCall command; the agent answers,
holds, retrieves and hangs up, then signs out. Every event is printed as it arrives.
"""
import json
import sys

import websocket  # pip install websocket-client

URL = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8765/gc"


def until(ws, wanted):
    """Print events until one of type ``wanted``; return it."""
    while True:
        event = json.loads(ws.recv())
        print("  <-", json.dumps(event))
        if event.get("type") == wanted:
            return event


def send(ws, frame):
    print("->", json.dumps(frame))
    ws.send(json.dumps(frame))


desk = websocket.create_connection(URL, timeout=10)
send(desk, {"type": "Hello", "params": {"clientDestination": "desk-3001"}})
until(desk, "System")
send(desk, {"type": "Connect", "agentId": "3001",
            "params": {"clientDestination": "desk-3001", "password": "secret"}})
send(desk, {"type": "Login", "agentId": "3001", "params": {"password": "secret", "extension": "3001"},
            "requestId": "r1"})
until(desk, "AgentInfo")
send(desk, {"type": "MakeReady", "agentId": "3001", "requestId": "r2"})
until(desk, "State")

customer = websocket.create_connection(URL, timeout=10)
send(customer, {"type": "ExampleCall", "params": {"fromAddress": "5550123",
                                                   "callVariables": {"callVariable1": "Gold"}}})
until(customer, "ExampleTraffic")

dialog_id = until(desk, "NewInboundCall")["dialogId"]
until(desk, "InboundCall")
for command, wanted in (("AnswerCall", "State"), ("HoldCall", "State"), ("RetrieveCall", "State"),
                        ("ReleaseCall", "State")):
    send(desk, {"type": command, "agentId": "3001", "params": {"dialogId": dialog_id}})
    until(desk, wanted)
send(desk, {"type": "MakeNotReadyWithReason", "agentId": "3001", "params": {"reasonCode": "31"}})
until(desk, "State")
send(desk, {"type": "Logout", "agentId": "3001"})
print("signed out:", until(desk, "State")["state"])
customer.close()
desk.close()
