// The demo agent desktop: a client of GC's public protocol only (gc-client.js).
(function () {
  "use strict";
  const $ = id => document.getElementById(id);
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/gc`;
  const log = $("log");
  let gc = null;
  let agent = null;
  const calls = new Map();  // dialogId -> last InboundCall / ConsultCall event

  function logFrame(direction, text) {
    const li = document.createElement("li");
    li.className = direction + (text.includes('"type": "Error"') || text.includes('"type":"Error"') ? " error" : "");
    li.textContent = `${new Date().toISOString().slice(11, 23)} ${direction === "out" ? "→" : "←"} ${text}`;
    log.appendChild(li);
    while (log.children.length > 500) log.removeChild(log.firstChild);
    log.scrollTop = log.scrollHeight;
  }

  function enableAgentButtons(on) {
    document.querySelectorAll("[data-needs-login]").forEach(b => { b.disabled = !on; });
    $("btn-signout").disabled = !on;
    $("btn-signin").disabled = on;
  }

  function showError(err) {
    logFrame("in", `(${err.code || "error"}) ${err.message}`);
  }

  function send(type, params = {}, expect) {
    return gc.request(type, agent, params, expect === undefined ? {} : {expect}).catch(showError);
  }

  function renderCalls() {
    const body = $("calls").querySelector("tbody");
    body.innerHTML = "";
    for (const [id, c] of calls) {
      const tr = document.createElement("tr");
      tr.dataset.dialogId = id;
      tr.innerHTML = `<td>${id}</td><td>${c.fromAddress || ""}</td><td class="call-state">${c.state}</td>` +
                     `<td>${c.callType || ""}</td><td class="actions"></td>`;
      const actions = tr.querySelector(".actions");
      const button = (label, fn) => {
        const b = document.createElement("button");
        b.textContent = label;
        b.dataset.action = label.toLowerCase();
        b.onclick = fn;
        actions.appendChild(b);
      };
      const number = () => $("number").value.trim();
      if (c.state === "ALERTING") button("Answer", () => send("AnswerCall", {dialogId: id}));
      if (c.state === "ACTIVE") {
        button("Hold", () => send("HoldCall", {dialogId: id}));
        button("Consult", () => send("ConsultCall", {dialogId: id, number: number()}));
        button("Transfer", () => send("TransferCall", {dialogId: id, extension: number()}));
        button("Conference", () => send("Conferencecall", {dialogId: id, extension: number()}));
      }
      if (c.state === "HELD") button("Retrieve", () => send("RetrieveCall", {dialogId: id}));
      if (["ACTIVE", "HELD", "ALERTING", "INITIATED", "INITIATING"].includes(c.state)) {
        button("Release", () => send("ReleaseCall", {dialogId: id}));
      }
      if (c.state === "WRAP_UP" || c.wrapUp) {
        button("Wrap-up", () => send("wrapup", {dialogId: id, wrapupReason: $("wrapup-reason").value}));
      }
      body.appendChild(tr);
    }
  }

  function onCall(ev) {
    if (ev.agentId && ev.agentId !== agent) return;
    const id = ev.dialogId || ev.assDialogId;
    if (!id) return;
    if (ev.state === "DROPPED" || ev.state === "FAILED") calls.delete(id);
    else calls.set(id, Object.assign(calls.get(id) || {}, ev));
    renderCalls();
  }

  function fillReasons(select, ev, byLabel) {
    const keep = select.options[0];
    select.innerHTML = "";
    select.appendChild(keep);
    for (const entry of ev.reasonCodes || []) {
      const [code, label] = Object.entries(entry)[0];
      const opt = document.createElement("option");
      opt.value = byLabel ? label : code;
      opt.textContent = `${label} (${code})`;
      select.appendChild(opt);
    }
  }

  async function signIn() {
    agent = $("agent").value.trim();
    const password = $("password").value;
    const destination = $("destination").value.trim() || `demo-${agent}`;
    $("destination").value = destination;
    gc = new GCClient(wsUrl, {destination, onFrame: logFrame});
    gc.on("status", ev => {
      $("link").textContent = ev.status;
      $("link").className = "badge " + (ev.status === "CONNECTED" ? "ok" : "bad");
    });
    gc.on("System", ev => {
      $("system").textContent = ev.status;
      $("system").className = "badge " + (ev.status === "IN_SERVICE" ? "ok" : "bad");
    });
    gc.on("State", ev => {
      if (ev.agentId !== agent) return;
      $("state").textContent = ev.state;
      $("reason").textContent = ev.reasonCode ? `(${ev.reasonCode})` : "";
      enableAgentButtons(ev.state !== "LOGOUT");
    });
    gc.on("InboundCall", onCall);
    gc.on("ConsultCall", onCall);
    gc.on("NewInboundCall", onCall);
    gc.on("TeamAgents", renderTeam);
    await gc.connect();
    await gc.request("Connect", agent, {clientDestination: destination, password}, {expect: null});
    let info;
    try {
      info = await gc.request("Login", agent, {password, extension: $("extension").value.trim()},
                              {expect: "AgentInfo"});
    } catch (err) { showError(err); return; }
    $("agent-name").textContent = `${info.firstName} ${info.lastName} (${agent})`;
    enableAgentButtons(true);
    gc.request("reasoncodenotready", agent, {}, {expect: "ReasonCodes"})
      .then(ev => fillReasons($("nr-reason"), ev, false)).catch(() => {});
    gc.request("wrapupreasoncode", agent, {}, {expect: "ReasonCodes"})
      .then(ev => fillReasons($("wrapup-reason"), ev, true)).catch(() => {});
    if (info.supervisor === true || info.supervisor === "true") {
      const team = (info.teams && info.teams[0]) || info.team;
      const teamId = team && (team.id || team.teamId || Object.keys(team)[0]);
      if (teamId) {
        $("teampane").hidden = false;
        $("team-name").textContent = teamId;
        gc.request("getteamusers", agent, {teamId: String(teamId), subscribe: true}, {expect: "TeamAgents"})
          .then(renderTeam).catch(showError);
      }
    }
  }

  function renderTeam(ev) {
    const body = $("team").querySelector("tbody");
    const rows = new Map([...body.children].map(tr => [tr.dataset.agentId, tr]));
    for (const u of ev.users || []) {
      const id = u.agentId || u.loginId || u.id;
      let tr = rows.get(id);
      if (!tr) { tr = document.createElement("tr"); tr.dataset.agentId = id; body.appendChild(tr); }
      tr.innerHTML = `<td>${id}</td><td>${[u.firstName, u.lastName].filter(Boolean).join(" ")}</td>` +
                     `<td>${u.state || ""}</td>`;
    }
  }

  async function signOut() {
    if ($("state").textContent !== "NOT_READY") await send("MakeNotReady", {}, "State");
    await send("Logout", {}, "State");
    calls.clear();
    renderCalls();
  }

  $("btn-signin").onclick = () => signIn().catch(showError);
  $("btn-signout").onclick = () => signOut().catch(showError);
  $("btn-ready").onclick = () => send("MakeReady");
  $("btn-notready").onclick = () => {
    const code = $("nr-reason").value;
    return code ? send("MakeNotReadyWithReason", {reasonCode: code}) : send("MakeNotReady");
  };
  $("btn-workready").onclick = () => send("makeworkready");
  $("btn-makecall").onclick = () => send("MakeCall", {number: $("number").value.trim()});
  $("btn-clear").onclick = () => { log.innerHTML = ""; };
  enableAgentButtons(false);
  $("btn-signin").disabled = false;
})();
