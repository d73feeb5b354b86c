/*
 * console.js — the facilitator's console, live. Listens to /ws/ateliers/<id>/console/ and
 * updates the server-rendered rows of the tables in place (participants seated, connected,
 * cards, votes, phase). The summary line is a polite live region: it changes at most every
 * SUMMARY_EVERY ms, so that a screen reader is not interrupted at every card.
 *
 * Without JavaScript the page keeps its server-rendered counts (reload to refresh them).
 */
(function () {
  "use strict";

  const table = document.getElementById("console-tables");
  const labelsEl = document.getElementById("console-labels");
  if (!table || !labelsEl || !window.WebSocket) return;

  const L = JSON.parse(labelsEl.textContent);
  const summaryEl = document.getElementById("console-summary");
  const statusEl = document.getElementById("console-status");
  const FINAL_CLOSE_CODES = new Set([4401, 4403, 4404]); // retrying cannot help
  const SUMMARY_EVERY = 10000; // ms
  const PING_EVERY = 25000; // ms
  const BACKOFF_FIRST = 500;
  const BACKOFF_CAP = 15000;

  let socket = null;
  let attempt = 0;
  let lastSummaryAt = 0;
  let summaryTimer = null;
  let pendingSummary = null;
  let status = null;

  function setStatus(name) {
    status = name;
    if (!statusEl) return;
    statusEl.hidden = false;
    statusEl.dataset.status = name;
    statusEl.textContent = L.status[name] || "";
  }

  function fill(cell, value) {
    const text = String(value);
    if (cell && cell.textContent !== text) cell.textContent = text;
  }

  function phaseLabel(row, phase) {
    const select = row.querySelector('select[name="phase"]');
    if (select) {
      for (const option of select.options) {
        if (option.value === phase) return option.textContent;
      }
    }
    return phase;
  }

  function apply(data) {
    for (const t of data.tables || []) {
      const row = table.querySelector('tr[data-table="' + Number(t.number) + '"]');
      if (!row) continue;
      for (const name of ["seated", "present", "cards", "votes"]) {
        fill(row.querySelector('[data-field="' + name + '"]'), t[name]);
      }
      fill(row.querySelector('[data-field="phase"]'), phaseLabel(row, t.phase));
    }
    if (data.totals) announce(data.totals);
  }

  function counted(forms, n) {
    const form = forms[String(Math.min(n, 2))] || forms["2"];
    return form.replace("%(n)s", String(n));
  }

  function announce(totals) {
    pendingSummary = L.summary
      .replace("%(people)s", counted(L.people, totals.present))
      .replace("%(ideas)s", counted(L.ideas, totals.cards));
    const wait = lastSummaryAt + SUMMARY_EVERY - Date.now();
    if (wait <= 0) {
      showSummary();
    } else if (summaryTimer === null) {
      summaryTimer = window.setTimeout(showSummary, wait);
    }
  }

  function showSummary() {
    summaryTimer = null;
    if (summaryEl && pendingSummary !== null && pendingSummary !== summaryEl.textContent) {
      summaryEl.textContent = pendingSummary;
      lastSummaryAt = Date.now();
    }
    pendingSummary = null;
  }

  function receive(text) {
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (_error) {
      return;
    }
    for (const frame of Array.isArray(parsed) ? parsed : [parsed]) {
      if (frame && frame.type === "signal" && frame.name === "console.tables" && frame.data) {
        apply(frame.data);
      }
    }
  }

  function url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const lang = document.documentElement.lang;
    const query = lang ? "?lang=" + encodeURIComponent(lang) : "";
    return scheme + "//" + window.location.host + table.dataset.socket + query;
  }

  function connect() {
    setStatus(attempt === 0 ? "connecting" : "reconnecting");
    let current;
    try {
      current = new WebSocket(url());
    } catch (_error) {
      retry();
      return;
    }
    socket = current;
    current.addEventListener("message", (message) => {
      if (current !== socket) return;
      if (status !== "connected") setStatus("connected");
      attempt = 0;
      receive(message.data);
    });
    current.addEventListener("close", (close) => {
      if (current !== socket) return;
      socket = null;
      if (FINAL_CLOSE_CODES.has(close.code)) {
        setStatus("refused");
        return;
      }
      retry();
    });
  }

  function retry() {
    // Full jitter: consoles that dropped together do not come back together.
    const delay = Math.random() * Math.min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** attempt);
    attempt += 1;
    setStatus("reconnecting");
    window.setTimeout(connect, delay);
  }

  window.setInterval(() => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ op: "ping" }));
  }, PING_EVERY);

  connect();
})();
