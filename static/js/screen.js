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
      document.getElementById("screen-participants").textContent = data.participants;
      document.getElementById("screen-proposals").textContent = data.proposals;
    } catch (_error) {
      // the network blinked: the next round will do
    }
  }
  window.setInterval(refresh, 3000);
})();
