/*
 * gc-client.js: a small client of the Generic Connector JSON protocol, for browsers.
 * Copy it into your CRM; it uses nothing but the public protocol (docs/protocol.md).
 *
 *   const gc = new GCClient("ws://127.0.0.1:8765/gc", {destination: "crm-1"});
 *   gc.on("State", ev => console.log(ev.agentId, ev.state));   // typed events
 *   gc.on("*", ev => ...);                                       // every event
 *   await gc.connect();                                          // opens, sends Hello
 *   await gc.request("Connect", "1001", {clientDestination: "crm-1", password: "secret"},
 *                    {expect: null});                            // no answer expected
 *   const info = await gc.request("Login", "1001", {password: "secret", extension: "1001"},
 *                                 {expect: "AgentInfo"});
 *   await gc.request("MakeReady", "1001");                       // resolves with its State
 *
 * - connect(): opens the WebSocket and sends Hello#<destination>; the promise resolves
 *   with the System event (status IN_SERVICE / OUT_OF_SERVICE).
 * - Beat: every `beatSeconds` (default 30) a Beat keeps the destination alive.
 * - resume: when the socket drops, the client reconnects (1 s, 2 s, 4 s ... up to 30 s)
 *   and sends Hello with the same destination: GC replays the events its agents got
 *   meanwhile (the destination's backlog), so nothing is lost.
 * - request(type, agentId, params, {expect, timeoutMs}): sends a frame with a fresh
 *   requestId and resolves with the first event that carries it (or, with `expect`,
 *   the first of that type carrying it); an Error carrying it rejects the promise with
 *   a GCError (code = errorCode). expect: null resolves as soon as the frame is sent.
 * - Events are plain objects as the schemas describe them (schemas/events/*.json);
 *   array-shaped events (TeamAgents ...) are delivered as their first object.
 * - onFrame(direction, text): called for every frame both ways ("out" / "in").
 */
(function (root) {
  "use strict";

  /*
   * Typed events: one typedef per event of schemas/events (its required
   * fields; see the schema for the optional ones). tests/ops/test_gc_client_js.py checks
   * that these stay in step with the schemas.
   *
   * @typedef {Object} AgentInfo
   * @property {string} type
   * @property {string} firstName
   * @property {string} lastName
   * @property {boolean} supervisor
   * @property {string} wrapUpOnIncoming
   * @property {string} totalNumberOfTeams
   * @property {Array} teams
   * @property {*} team
   * @property {*} agentId
   *
   * @typedef {Object} Agents
   * @property {string} type
   * @property {Array} users
   *
   * @typedef {Object} ConsultCall
   * @property {string} type
   * @property {*} state
   * @property {*} assDialogId
   * @property {string} fromAddress
   * @property {string} toAddress
   * @property {*} startTime
   * @property {*} callVariables
   * @property {Array} participants
   * @property {string} callType
   * @property {*} agentId
   *
   * @typedef {Object} DialogState
   * @property {string} type
   * @property {*} dialogId
   * @property {string} state
   * @property {*} agentId
   *
   * @typedef {Object} Error
   * @property {string} type
   * @property {string} errorCode
   * @property {string} errorOrigin
   * @property {string} errorDescription
   *
   * @typedef {Object} InboundCall
   * @property {string} type
   * @property {*} dialogId
   * @property {*} state
   * @property {*} prevDialogId
   *
   * @typedef {Object} NewInboundCall
   * @property {string} type
   * @property {*} dialogId
   * @property {string} fromAddress
   * @property {*} callVariables
   * @property {string} callType
   * @property {*} agentId
   *
   * @typedef {Object} PhoneBook
   * @property {string} type
   * @property {Array} phoneBook
   *
   * @typedef {Object} QueueStats
   * @property {string} type
   *
   * @typedef {Object} ReasonCodes
   * @property {string} type
   * @property {string} category
   * @property {Array} reasonCodes
   * @property {*} agentId
   *
   * @typedef {Object} State
   * @property {string} type
   * @property {*} agentId
   * @property {*} state
   * @property {string} reasonCode
   * @property {string} stateChangeTimeString
   * @property {string} pendingState
   * @property {*} stateChangeTime
   * @property {string} fullName
   * @property {string} extension
   * @property {string} label
   *
   * @typedef {Object} System
   * @property {string} type
   * @property {string} status
   *
   * @typedef {Object} TeamAgents
   * @property {string} type
   * @property {Array} users
   *
   * @typedef {Object} TeamPhoneBook
   * @property {string} type
   * @property {Array} phoneBook
   *
   * @typedef {Object} ZoomRecording
   * @property {string} type
   * @property {*} agentId
   * @property {string} recording
   * @property {Object} target
   *
   * @typedef {Object} phoneBookContacts
   * @property {string} type
   * @property {Array} contact
   */
  const EVENT_TYPES = ["AgentInfo", "Agents", "ConsultCall", "DialogState", "Error", "InboundCall", "NewInboundCall", "PhoneBook", "QueueStats", "ReasonCodes", "State", "System", "TeamAgents", "TeamPhoneBook", "ZoomRecording", "phoneBookContacts"];

  class GCError extends Error {
    constructor(event) {
      super(`${event.errorCode}: ${event.errorDescription || ""}`);
      this.name = "GCError";
      this.code = event.errorCode;
      this.event = event;
    }
  }

  class GCClient {
    constructor(url, options = {}) {
      this.url = url;
      this.destination = options.destination || `web-${Math.random().toString(36).slice(2, 10)}`;
      this.beatSeconds = options.beatSeconds || 30;
      this.timeoutMs = options.timeoutMs || 15000;
      this.reconnect = options.reconnect !== false;
      this.onFrame = options.onFrame || (() => {});
      this.status = "DISCONNECTED";
      this._handlers = new Map();
      this._pending = new Map();
      this._seq = 0;
      this._ws = null;
      this._beat = null;
      this._retryMs = 1000;
      this._closedByUser = false;
    }

    /** Subscribe to events of one type ("State", "InboundCall" ...), or "*" for all,
     *  or the client's own "status" (CONNECTED / DISCONNECTED / RECONNECTING). */
    on(type, handler) {
      if (!this._handlers.has(type)) this._handlers.set(type, []);
      this._handlers.get(type).push(handler);
      return () => this._handlers.set(type, this._handlers.get(type).filter(h => h !== handler));
    }

    connect() {
      this._closedByUser = false;
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(this.url);
        this._ws = ws;
        let opened = false;
        ws.onopen = () => {
          opened = true;
          this._retryMs = 1000;
          this._setStatus("CONNECTED");
          this.request("Hello", null, {clientDestination: this.destination}, {expect: "System", anyRequestId: true})
            .then(resolve, reject);
          clearInterval(this._beat);
          this._beat = setInterval(() => this._sendFrame({type: "Beat", params: {clientDestination: this.destination}}),
                                   this.beatSeconds * 1000);
        };
        ws.onmessage = msg => this._receive(msg.data);
        ws.onclose = () => {
          clearInterval(this._beat);
          this._setStatus("DISCONNECTED");
          for (const [, p] of this._pending) p.reject(new Error("connection closed"));
          this._pending.clear();
          if (!opened) reject(new Error(`cannot connect to ${this.url}`));
          if (this.reconnect && !this._closedByUser) this._resume();
        };
      });
    }

    close() {
      this._closedByUser = true;
      clearInterval(this._beat);
      if (this._ws) this._ws.close();
    }

    _resume() {
      const wait = this._retryMs;
      this._retryMs = Math.min(this._retryMs * 2, 30000);
      this._setStatus("RECONNECTING");
      setTimeout(() => this.connect().catch(() => {}), wait);
    }

    _setStatus(status) {
      this.status = status;
      this._emit("status", {type: "status", status});
    }

    /** Send a command; see the header for what the promise resolves with. */
    request(type, agentId, params = {}, options = {}) {
      const requestId = options.requestId || `r${Date.now().toString(36)}-${++this._seq}`;
      const frame = {type, params};
      if (agentId) frame.agentId = agentId;
      if (!options.anyRequestId) frame.requestId = requestId;
      if (options.expect === null) {
        this._sendFrame(frame);
        return Promise.resolve(null);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this._pending.delete(requestId);
          reject(new Error(`no answer to ${type} within ${this.timeoutMs} ms`));
        }, options.timeoutMs || this.timeoutMs);
        this._pending.set(requestId, {
          expect: options.expect, anyRequestId: options.anyRequestId,
          resolve: ev => { clearTimeout(timer); resolve(ev); },
          reject: err => { clearTimeout(timer); reject(err); },
        });
        this._sendFrame(frame);
      });
    }

    _sendFrame(frame) {
      const text = JSON.stringify(frame);
      if (!this._ws || this._ws.readyState !== WebSocket.OPEN) throw new Error("not connected");
      this.onFrame("out", text);
      this._ws.send(text);
    }

    _receive(text) {
      this.onFrame("in", text);
      let event;
      try { event = JSON.parse(text); } catch (e) { return; }
      if (Array.isArray(event)) event = event[0] || {};
      for (const [rid, p] of this._pending) {
        const mine = p.anyRequestId ? event.type === p.expect : event.requestId === rid;
        if (!mine) continue;
        if (event.type === "Error") { this._pending.delete(rid); p.reject(new GCError(event)); break; }
        if (!p.expect || event.type === p.expect) { this._pending.delete(rid); p.resolve(event); break; }
      }
      this._emit(event.type, event);
      this._emit("*", event);
    }

    _emit(type, event) {
      for (const h of this._handlers.get(type) || []) {
        try { h(event); } catch (e) { console.error(e); }
      }
    }
  }

  GCClient.EVENT_TYPES = EVENT_TYPES;
  root.GCClient = GCClient;
  root.GCError = GCError;
  if (typeof module !== "undefined" && module.exports) module.exports = {GCClient, GCError};
})(typeof window !== "undefined" ? window : globalThis);
