/*
 * screen.js — the projector view: counts refreshed every few seconds; when the facilitator
 * changes the phase, the page reloads to show what that phase shows (the code, the ranking).
 */
(function () {
  "use strict";
  const screen = document.getElementById("screen");
  if (!screen) return;
  async function refresh() {
    try {
      const response = await fetch(screen.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      if (data.phase !== screen.dataset.phase) return window.location.reload();
      countdown.set(data.timer ? data.timer.remaining : null);
      document.getElementById("screen-participants").textContent = data.participants;
      document.getElementById("screen-proposals").textContent = data.proposals;
    } catch (_error) {
      // the network blinked: the next round will do
    }
  }
  // The countdown: the server says how many seconds remain when it answers; this page counts
  // down from when the answer arrived (the projector's own clock may be off, its pace is not).
  const countdown = (function () {
    const node = document.getElementById("screen-timer");
    let endsAt = null; // in this page's performance.now() time
    function draw() {
      if (!node) return;
      if (endsAt === null) { node.hidden = true; return; }
      const left = Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
      node.hidden = false;
      node.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      node.classList.toggle("is-over", left === 0);
    }
    function set(remaining) {
      endsAt = remaining === null || remaining === undefined || remaining === ""
        ? null : performance.now() + Number(remaining) * 1000;
      draw();
    }
    if (node) set(node.dataset.remaining);
    window.setInterval(draw, 250);
    return { set: set };
  })();
  window.setInterval(refresh, 3000);
})();
