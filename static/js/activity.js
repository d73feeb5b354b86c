/*
 * activity.js — the moderators' live view of the territory (/moderation/).
 *
 * One LiveStream on /ws/activity/: the hello brings the latest lines and the counters, each
 * event one new line, a `counters` signal the counters every few seconds. Lines are filtered
 * here by kind, theme and project (the same test as the server's for older lines). Paused,
 * the feed keeps the lines that arrive and shows them all on resume: none is lost. Older
 * lines load on scroll (or with the button). From any line a moderator acts — hide, warn,
 * mute — without leaving the page.
 */
(function () {
  "use strict";

  const root = document.getElementById("activity");
  if (!root || !window.LiveStream) return;
  const labels = JSON.parse(document.getElementById("activity-labels").textContent);
  const feed = document.getElementById("activity-feed");
  const status = document.getElementById("activity-status");
  const pauseButton = document.getElementById("activity-pause");
  const olderButton = document.getElementById("activity-older");
  const filtersForm = document.getElementById("activity-filters");
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;

  let paused = false;
  let pending = []; // lines that arrived while paused, oldest first
  let oldestSeq = null; // the oldest line shown: older ones load before it
  let loadingOlder = false;
  let noOlder = false;

  function filters() {
    const data = new FormData(filtersForm);
    const found = {};
    for (const name of ["kind", "theme", "project"]) {
      const value = data.get(name);
      if (value) found[name] = name === "kind" ? value : Number(value);
    }
    return found;
  }

  function matches(data, wanted) {
    if (wanted.kind && data.kind !== wanted.kind) return false;
    if (wanted.theme && !(data.themes || []).includes(wanted.theme)) return false;
    if (wanted.project && (!data.project || data.project.id !== wanted.project)) return false;
    return true;
  }

  function detailText(data) {
    if (!data.detail) return "";
    if (data.kind === "stage" || data.kind === "project") return labels.stages[data.detail] || "";
    if (data.kind === "workshop") return labels.phases[data.detail] || "";
    if (data.kind === "report") return labels.reasons[data.detail] || "";
    return data.detail;
  }

  function button(text, action) {
    const node = document.createElement("button");
    node.type = "submit";
    node.textContent = text;
    node.dataset.action = action;
    return node;
  }

  function actForm(frame) {
    const data = frame.data;
    const target = data.target;
    const canHide = target && (target.kind === "card" || target.kind === "message");
    const member = frame.actor;
    if (!canHide && !member) return null;
    const details = document.createElement("details");
    details.className = "act";
    const summary = document.createElement("summary");
    summary.textContent = labels.act;
    details.append(summary);
    const form = document.createElement("form");
    form.className = "inline-form";
    const id = "act-" + frame.seq;
    const reasonLabel = document.createElement("label");
    reasonLabel.htmlFor = id + "-reason";
    reasonLabel.textContent = labels.reason;
    const reason = document.createElement("input");
    reason.type = "text";
    reason.name = "reason";
    reason.id = id + "-reason";
    reason.maxLength = 1000;
    reason.required = true;
    form.append(reasonLabel, reason);
    if (canHide) form.append(button(labels.hide, "hide"));
    if (member) {
      form.append(button(labels.warn, "warn"));
      const minutesLabel = document.createElement("label");
      minutesLabel.htmlFor = id + "-minutes";
      minutesLabel.textContent = labels.mute_for;
      const minutes = document.createElement("select");
      minutes.name = "minutes";
      minutes.id = id + "-minutes";
      for (const [value, text] of [["60", labels.mute_hour], ["1440", labels.mute_day], ["10080", labels.mute_week]]) {
        const option = document.createElement("option");
        option.value = value;
        option.textContent = text;
        minutes.append(option);
      }
      form.append(minutesLabel, minutes, button(labels.mute, "mute"));
    }
    const result = document.createElement("p");
    result.setAttribute("role", "status");
    result.className = "act-result";
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const action = event.submitter ? event.submitter.dataset.action : "hide";
      const onMember = action === "warn" || action === "mute";
      const url = root.dataset.act
        .replace("ACTION", action)
        .replace("KIND", onMember ? "profile" : target.kind)
        .replace(/\/0\/$/, "/" + (onMember ? member.id : target.id) + "/");
      act(url, new FormData(form), result);
    });
    details.append(form, result);
    return details;
  }

  async function act(url, body, result) {
    result.textContent = "";
    try {
      const response = await fetch(url, {
        method: "POST",
        body: body,
        headers: { Accept: "application/json", "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      const answer = await response.json();
      result.textContent = response.ok ? answer.message : answer.error || labels.failed;
    } catch (_error) {
      result.textContent = labels.failed;
    }
  }

  function lineNode(frame) {
    const data = frame.data;
    const item = document.createElement("li");
    item.className = "activity-line kind-" + data.kind;
    item.id = "line-" + frame.seq;
    item.dataset.seq = String(frame.seq);
    const text = document.createElement("p");
    const time = document.createElement("time");
    time.dateTime = frame.at;
    time.textContent = new Date(frame.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const kind = document.createElement("strong");
    kind.textContent = labels.kinds[data.kind] || data.kind;
    text.append(time, " ", kind);
    if (frame.actor) text.append(" · " + frame.actor.name);
    const what = document.createElement("a");
    what.href = data.url;
    what.textContent = "« " + data.excerpt + " »";
    text.append(" · ", what);
    const detail = detailText(data);
    if (detail) text.append(" · " + detail);
    if (data.project) {
      const where = document.createElement("a");
      where.href = data.project.url;
      where.textContent = data.project.title;
      text.append(" · " + labels.in + " ", where);
    }
    item.append(text);
    const form = actForm(frame);
    if (form) item.append(form);
    return item;
  }

  function showNewest(frames) {
    // frames oldest first: each goes on top
    const wanted = filters();
    for (const frame of frames) {
      if (frame.name !== "activity" || !matches(frame.data, wanted)) continue;
      if (document.getElementById("line-" + frame.seq)) continue;
      feed.prepend(lineNode(frame));
      if (oldestSeq === null) oldestSeq = frame.seq;
    }
    emptyNote();
  }

  function showOlder(frames) {
    // frames newest first: each goes at the bottom
    for (const frame of frames) {
      if (document.getElementById("line-" + frame.seq)) continue;
      feed.append(lineNode(frame));
      oldestSeq = oldestSeq === null ? frame.seq : Math.min(oldestSeq, frame.seq);
    }
    emptyNote();
  }

  function emptyNote() {
    const note = feed.querySelector(".empty");
    const lines = feed.querySelectorAll(".activity-line").length;
    if (lines && note) note.remove();
    if (!lines && !note) {
      const item = document.createElement("li");
      item.className = "empty";
      item.textContent = labels.none;
      feed.append(item);
    }
  }

  function setStatus(text) {
    status.textContent = text;
  }

  function liveStatus() {
    setStatus(paused ? labels.paused.replace("%(n)s", String(pending.length)) : labels.live);
  }

  function setCounters(counters) {
    for (const [name, value] of Object.entries(counters)) {
      const node = root.querySelector('[data-counter="' + name + '"]');
      if (node) node.textContent = String(value);
    }
  }

  function reset(lines) {
    feed.replaceChildren();
    oldestSeq = null;
    noOlder = false;
    olderButton.hidden = false;
    showOlder(lines.filter((frame) => matches(frame.data, filters())));
  }

  async function loadOlder() {
    if (loadingOlder || noOlder) return;
    loadingOlder = true;
    const query = new URLSearchParams(filters());
    const before = oldestSeq === null ? (live.seq || 0) + 1 : oldestSeq;
    query.set("before", String(before));
    try {
      const response = await fetch(root.dataset.older + "?" + query.toString(), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const answer = await response.json();
        showOlder(answer.lines);
        if (answer.lines.length === 0) {
          noOlder = true;
          olderButton.hidden = true;
        }
      }
    } finally {
      loadingOlder = false;
    }
  }

  const live = new window.LiveStream(root.dataset.ws, { storageKey: "activity" });
  live.on("hello", (hello) => {
    if (hello.state) {
      pending = [];
      reset(hello.state.lines);
      setCounters(hello.state.counters);
    }
    liveStatus();
  });
  live.on("event", (frame) => {
    if (paused) {
      pending.push(frame);
      liveStatus();
    } else {
      showNewest([frame]);
    }
  });
  live.on("signal", (signal) => {
    if (signal.name === "counters") setCounters(signal.data);
  });
  live.on("status", (state) => {
    if (state === "reconnecting" || state === "offline") setStatus(labels.reconnecting);
    if (state === "refused") setStatus(labels.refused);
  });

  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.setAttribute("aria-pressed", String(paused));
    if (!paused) {
      showNewest(pending);
      pending = [];
    }
    liveStatus();
  });
  filtersForm.addEventListener("change", () => {
    // Shown lines follow the filters; the server fills the page with matching older lines.
    feed.replaceChildren();
    oldestSeq = null;
    noOlder = false;
    olderButton.hidden = false;
    loadOlder();
  });
  filtersForm.addEventListener("submit", (event) => event.preventDefault());
  olderButton.addEventListener("click", loadOlder);
  if ("IntersectionObserver" in window) {
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && oldestSeq !== null) loadOlder();
    }).observe(olderButton);
  }
  live.start();
})();
