// The console page: polls status.json and renders it; charts keep the last 120 samples.
(function () {
  "use strict";
  const $ = id => document.getElementById(id);
  const N = 120;
  const series = {connections: [], agents: [], "commands/s": [], "events/s": [], "errors/s": []};
  let previous = null;
  let pollMs = 1000;

  const esc = s => String(s === undefined || s === null ? "" : s)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

  function rows(tableId, items, cells, key) {
    const body = $(tableId).querySelector("tbody");
    body.innerHTML = items.map(item =>
      `<tr data-key="${esc(key(item))}">${cells(item).map(c => `<td>${c}</td>`).join("")}</tr>`).join("");
  }

  function push(name, value) {
    const s = series[name];
    s.push(value);
    if (s.length > N) s.shift();
  }

  function drawCharts() {
    const box = document.querySelector(".charts");
    box.innerHTML = Object.entries(series).map(([name, s]) => {
      const max = Math.max(1, ...s);
      const pts = s.map((v, i) => `${((N - s.length + i) * 200 / (N - 1)).toFixed(1)},${(48 - v * 46 / max).toFixed(1)}`).join(" ");
      const now = s.length ? s[s.length - 1] : 0;
      return `<div class="chart" data-series="${name}"><div class="label">${name} ` +
             `<span class="now">${Number.isInteger(now) ? now : now.toFixed(1)}</span> (max ${+max.toFixed(1)})</div>` +
             `<svg viewBox="0 0 200 50" preserveAspectRatio="none"><polyline points="${pts}"/></svg></div>`;
    }).join("");
  }

  function render(st) {
    $("status").textContent = st.status;
    $("status").className = "badge " + (st.status === "IN_SERVICE" ? "ok" : "bad");
    $("updated").textContent = `updated ${st.time}`;
    rows("backends", st.backends, b => [esc(b.name), esc(`${b.type} ${b.flavour || ""}`), esc(b.status),
      esc((b.nodes || []).map(n => `${n.name} ${n.address}${n.active ? " (active)" : ""}`).join(", ")),
      esc(b.xmpp_streams_up === undefined ? "-" : b.xmpp_streams_up)], b => b.name);
    rows("transports", st.transports, t => [esc(t.name), esc(t.address), t.ready ? "yes" : "NO"], t => t.name);
    rows("agents", st.agents, a => [esc(a.agentId) + (a.supervisor ? " (supervisor)" : ""),
      `<span class="state">${esc(a.state)}</span>${a.reasonCode ? " " + esc(a.reasonCode) : ""}`, esc(a.destination),
      esc(a.calls.map(c => `${c.dialogId} ${c.state} ${c.fromAddress || ""}`).join("; "))], a => a.agentId);
    rows("destinations", st.destinations, d => [esc(d.name), d.connections, d.backlog, d.dropped,
      esc(d.agents.join(", "))], d => d.name);
    rows("errors", st.errors, e => [esc(e.time), esc(e.agentId), esc(e.errorCode),
      esc(e.request && e.request.type), esc(e.errorDescription)], e => e.time + e.errorCode);
    const t = st.totals;
    const seconds = previous ? Math.max(0.001, (Date.parse(st.time) - Date.parse(previous.time)) / 1000 || pollMs / 1000) : 1;
    push("connections", st.connections);
    push("agents", st.agents.length);
    push("commands/s", previous ? (t.commands - previous.totals.commands) / seconds : 0);
    push("events/s", previous ? (t.events - previous.totals.events) / seconds : 0);
    push("errors/s", previous ? (t.errors - previous.totals.errors) / seconds : 0);
    previous = st;
    drawCharts();
  }

  async function poll() {
    try {
      // the page's own query (?credential=...) goes with each poll: with gc.client_secret set,
      // status.json needs the credential the page was opened with
      const resp = await fetch("status.json" + location.search, {cache: "no-store"});
      if (resp.ok) {
        const st = await resp.json();
        pollMs = (st.pollSeconds || 1) * 1000;
        render(st);
      } else {
        $("status").textContent = `HTTP ${resp.status}`;
        $("status").className = "badge bad";
      }
    } catch (e) {
      $("status").textContent = "unreachable";
      $("status").className = "badge bad";
    }
    setTimeout(poll, pollMs);
  }
  poll();
})();
