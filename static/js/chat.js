/*
 * chat.js — a live project chat. Takes over the server-rendered room page: draws the latest
 * messages from the stream's state (hello), applies its events in seq order, loads older
 * messages from the history endpoint when one scrolls up, and sends ops through LiveStream
 * (realtime.js), which keeps them in an outbox until the server acks them.
 *
 * Nothing people type becomes markup: text is written with textContent, and links and
 * mentions are built as DOM nodes around it.
 */
(function () {
  "use strict";

  const app = document.getElementById("chat-app");
  if (!app || !window.LiveStream) return;

  const L = JSON.parse(document.getElementById("chat-labels").textContent);
  const lang = document.documentElement.lang || "fr";
  const roomId = Number(app.dataset.room);
  const scroller = document.getElementById("chat-scroll");
  const list = document.getElementById("chat-messages");
  const olderEl = document.getElementById("chat-older");
  const typingEl = document.getElementById("chat-typing");
  const announcer = document.getElementById("chat-announcer");
  const jumpButton = document.getElementById("chat-jump");
  const statusEl = document.getElementById("connection");
  const alertsEl = document.getElementById("chat-alerts");
  const form = document.getElementById("chat-form");
  const textarea = document.getElementById("chat-text");
  const replyingEl = document.getElementById("chat-replying");
  const baseTitle = document.title;

  const EXCERPT = 140; // as chat/selectors.py
  const TYPING_EVERY = 3000; // ms between two "I am typing" signals
  const TYPING_FORGET = 6000; // ms after which a silent typist is forgotten
  const NEAR = 40; // px from an edge that count as "at" it

  const state = { messages: new Map(), order: [], hasMore: false, readSeq: 0, unread: 0 };
  let me = { id: null, name: null, username: null, can_post: false };
  let replyTo = null; // the message our next message answers
  let editing = null; // id of the message whose edit form is open here
  let dividerSeq = null; // "new messages" line after this seq (set on first load)
  let firstSnapshot = true;
  let generation = 0; // bumped by each snapshot: an older page fetched before it is stale
  let readSent = 0;
  let newBelow = 0; // messages that arrived while scrolled up
  let loadingOlder = false;
  const orphans = new Map(); // latest state of messages not loaded here (id → message)
  const landed = new Set(); // send ops whose event arrived before their ack
  const typists = new Map(); // person id → {name, timer}

  const live = new window.LiveStream(app.dataset.ws, { storageKey: "chat:" + roomId });

  // Words --------------------------------------------------------------------------------

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_m, key) => String(values[key]));
  }

  function plural(forms, n) {
    const one = n === 1 || (lang.startsWith("fr") && n === 0);
    return fill(forms[one ? 0 : 1], { n: n });
  }

  function excerpt(text) {
    const chars = Array.from(text);
    return chars.length <= EXCERPT ? text : chars.slice(0, EXCERPT - 1).join("") + "…";
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function authorName(author) {
    if (!author) return L.former_member;
    return author.id === me.id ? author.name + " (" + L.yours + ")" : author.name;
  }

  const timeToday = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
  const timeOther = new Intl.DateTimeFormat(lang, {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

  function when(iso) {
    const date = new Date(iso);
    const today = new Date();
    return (date.toDateString() === today.toDateString() ? timeToday : timeOther).format(date);
  }

  // Text: links and mentions as nodes, everything else as text ------------------------------

  const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"]+/giu;
  const MENTION = /(^|[^\p{L}\p{N}_@])@([\p{L}\p{N}_.+-]+)/gu;

  function safeHref(raw) {
    try {
      const url = new URL(raw.toLowerCase().startsWith("www.") ? "https://" + raw : raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_error) {
      return null;
    }
  }

  function mentionsIn(text) {
    const names = [];
    for (const match of text.matchAll(MENTION)) names.push(match[2].replace(/\.+$/, ""));
    return names;
  }

  function isMe(name) {
    return Boolean(me.username) && name.toLowerCase() === me.username.toLowerCase();
  }

  function appendMentions(parent, text) {
    let last = 0;
    for (const match of text.matchAll(MENTION)) {
      const name = match[2].replace(/\.+$/, "");
      if (!name) continue;
      const start = match.index + match[1].length;
      parent.append(text.slice(last, start));
      parent.append(el("span", { class: "chat-mention" + (isMe(name) ? " is-me" : ""),
        text: "@" + name }));
      last = start + 1 + name.length;
    }
    parent.append(text.slice(last));
  }

  function renderText(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(LINK)) {
      let raw = match[0];
      // Punctuation that ends a sentence is not part of the link.
      while (/[.,;:!?»'’)\]]$/.test(raw) && !(raw.endsWith(")") && raw.includes("("))) {
        raw = raw.slice(0, -1);
      }
      const href = safeHref(raw);
      if (!href) continue;
      appendMentions(fragment, text.slice(last, match.index));
      fragment.append(el("a", { href: href, text: raw, rel: "noopener noreferrer nofollow ugc",
        target: "_blank" }));
      last = match.index + raw.length;
    }
    appendMentions(fragment, text.slice(last));
    return fragment;
  }

  // Alerts, status, announcements ---------------------------------------------------------

  let alertTimer = null;
  function alertPerson(message) {
    alertsEl.replaceChildren(el("p", { text: message }));
    clearTimeout(alertTimer);
    alertTimer = setTimeout(() => alertsEl.replaceChildren(), 8000);
  }

  function showStatus(status) {
    statusEl.dataset.state = status;
    statusEl.textContent = L.status[status] || status;
  }

  // New messages are announced together: one sentence for a burst, not one per message.
  let heard = [];
  let announceTimer = null;
  function announceMessage(message) {
    heard.push(message);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      const text = heard.length === 1 && heard[0].text
        ? fill(L.announce_one, { name: authorName(heard[0].author), text: excerpt(heard[0].text) })
        : plural(L.announce_many, heard.length);
      heard = [];
      announcer.textContent = text;
    }, 800);
  }

  function renderUnread() {
    document.title = state.unread > 0
      ? fill(L.title_unread, { n: state.unread, title: baseTitle }) : baseTitle;
  }

  // Scrolling ------------------------------------------------------------------------------

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    newBelow = 0;
    renderJump();
  }

  function renderJump() {
    jumpButton.hidden = newBelow === 0;
    if (newBelow) jumpButton.textContent = plural(L.jump, newBelow);
  }

  /** Change the list and keep what the reader was looking at where it was. */
  function keepingPlace(change) {
    const stick = atBottom();
    change();
    if (stick) scrollToBottom();
  }

  // Drawing ------------------------------------------------------------------------------

  function lastSeq() {
    const id = state.order[state.order.length - 1];
    return id === undefined ? 0 : state.messages.get(id).seq;
  }

  function mentionsMe(message) {
    return Boolean(message.text) && mentionsIn(message.text).some(isMe);
  }

  function renderMessage(message) {
    const mine = Boolean(me.id && message.author && message.author.id === me.id);
    const metaId = "message-" + message.id + "-meta";
    const li = el("li", {
      class: "chat-message" + (message.deleted ? " is-deleted" : "") + (mine ? " is-mine" : "")
        + (mentionsMe(message) ? " mentions-me" : ""),
      id: "message-" + message.id,
      "data-message": message.id,
      "data-seq": message.seq,
    });
    li.append(el("p", { class: "chat-meta", id: metaId },
      el("span", { class: "chat-author", text: authorName(message.author) }), " ",
      el("time", { datetime: message.created_at, text: when(message.created_at) }),
      message.edited_at ? el("span", { class: "chat-edited", text: " (" + L.edited + ")" }) : null,
      mentionsMe(message) ? el("span", { class: "visually-hidden", text: " · " + L.mention_of_me })
        : null));
    if (message.reply_to && !message.deleted) {
      const quoted = message.reply_to;
      const quote = el("blockquote", { class: "chat-quote" });
      if (quoted.excerpt === null) {
        quote.append(L.deleted);
      } else if (quoted.hidden) {
        quote.append(L.hidden); // in the reader's language, whatever the log holds
      } else {
        quote.append(el("a", { href: "#message-" + quoted.id, class: "chat-quote-author",
          text: authorName(quoted.author) + " :" }), " ", renderText(quoted.excerpt));
      }
      li.append(quote);
    }
    if (message.deleted || message.hidden) {
      li.append(el("p", { class: "chat-text chat-deleted",
        text: message.hidden ? L.hidden : L.deleted }));
      return li;
    }
    if (editing === message.id) {
      li.append(editForm(message));
      return li;
    }
    li.append(el("p", { class: "chat-text" }, renderText(message.text)));
    const actions = el("div", { class: "chat-actions" });
    if (me.can_post) {
      actions.append(el("button", { type: "button", class: "chat-reply", text: L.reply,
        "aria-describedby": metaId, onclick: () => setReply(message) }));
    }
    if (mine) {
      actions.append(
        el("button", { type: "button", class: "chat-edit", text: L.edit,
          "aria-describedby": metaId, onclick: () => openEditor(message.id) }),
        el("button", { type: "button", class: "chat-delete", text: L.delete,
          "aria-describedby": metaId, onclick: () => deleteMessage(message) }));
    }
    if (me.id && !mine) {
      actions.append(el("a", { class: "chat-report", href: "/moderation/signaler/message/"
        + message.id + "/", text: L.report, "aria-describedby": metaId }));
    }
    if (actions.childElementCount) li.append(actions);
    return li;
  }

  function editForm(message) {
    const id = "edit-" + message.id;
    const area = el("textarea", { id: id, rows: "3",
      maxlength: String(live.limits.message_text_max || 4000), required: true });
    area.value = message.text;
    const editor = el("form", { class: "chat-edit-form" },
      el("label", { for: id, class: "visually-hidden", text: L.edit_label }), area,
      el("div", { class: "chat-actions" },
        el("button", { type: "submit", class: "primary", text: L.save }),
        el("button", { type: "button", text: L.cancel, onclick: () => closeEditor(true) })));
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = area.value.trim();
      if (text && text !== message.text) {
        live.send("message.edit", { message: message.id, text: text });
      }
      closeEditor(true);
    });
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        closeEditor(true);
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        editor.requestSubmit();
      }
    });
    return editor;
  }

  function openEditor(id) {
    editing = id;
    redraw(id);
    const area = document.getElementById("edit-" + id);
    if (area) {
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
    }
  }

  function closeEditor(focusComposer) {
    const id = editing;
    editing = null;
    if (id !== null) redraw(id);
    if (focusComposer && textarea) textarea.focus();
  }

  function divider() {
    return el("li", { class: "chat-divider", id: "chat-divider", text: L.unread_divider });
  }

  function needsDividerBefore(message) {
    return dividerSeq !== null && message.seq > dividerSeq
      && !(message.author && message.author.id === me.id);
  }

  /** Draw the message `id` in its place (or take it away if it is gone). */
  function redraw(id) {
    const message = state.messages.get(id);
    const old = document.getElementById("message-" + id);
    const hadFocus = old && old.contains(document.activeElement) && editing !== id;
    if (!message) {
      if (old) old.remove();
      return;
    }
    const node = renderMessage(message);
    if (old) {
      old.replaceWith(node);
    } else {
      const index = state.order.indexOf(id);
      const nextId = state.order[index + 1];
      const next = nextId === undefined ? null : document.getElementById("message-" + nextId);
      list.insertBefore(node, next || list.querySelector(".chat-message.pending"));
    }
    if (hadFocus) {
      const target = node.querySelector("button") || node;
      target.focus();
    }
  }

  function renderAll() {
    // Redrawing everything must not lose an edit in progress, nor where the focus was.
    const area = editing === null ? null : document.getElementById("edit-" + editing);
    const draft = area ? area.value : null;
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    const focusedIn = focused && focused.closest("[data-message]");
    const nodes = [];
    let dividerDrawn = false;
    for (const id of state.order) {
      const message = state.messages.get(id);
      if (!dividerDrawn && needsDividerBefore(message)) {
        nodes.push(divider());
        dividerDrawn = true;
      }
      nodes.push(renderMessage(message));
    }
    if (!nodes.length) nodes.push(el("li", { class: "chat-empty", text: L.empty }));
    list.replaceChildren(...nodes);
    renderPending();
    renderOlder();
    if (draft !== null) {
      const again = document.getElementById("edit-" + editing);
      if (again) again.value = draft;
    }
    if (focusedIn) {
      const node = document.getElementById(focusedIn.id);
      const target = node && (node.querySelector(focused.tagName === "TEXTAREA" ? "textarea"
        : "button") || node);
      if (target) target.focus();
    }
  }

  function renderPending() {
    for (const node of list.querySelectorAll(".chat-message.pending")) node.remove();
    const waiting = new Set(live.pending().map((op) => op.id));
    for (const id of landed) if (!waiting.has(id)) landed.delete(id);
    for (const op of live.pending()) {
      if (op.op !== "message.send" || landed.has(op.id)) continue;
      const empty = list.querySelector(".chat-empty");
      if (empty) empty.remove();
      list.append(el("li", { class: "chat-message is-mine pending", "data-op": op.id },
        el("p", { class: "chat-meta" }, el("span", { class: "chat-author",
          text: me.name || "" }), " ", el("span", { class: "pending-mark", text: L.pending })),
        el("p", { class: "chat-text" }, renderText(op.data.text))));
    }
  }

  let olderButton = null;
  function renderOlder() {
    if (!state.hasMore) {
      const hadFocus = olderEl.contains(document.activeElement);
      olderEl.replaceChildren();
      olderButton = null;
      if (hadFocus) scroller.focus(); // nothing older: stay in the messages
      return;
    }
    if (!olderButton) {
      olderButton = el("button", { type: "button", class: "link-button",
        onclick: () => loadOlder() });
      olderEl.replaceChildren(olderButton);
    }
    olderButton.textContent = loadingOlder ? L.loading : L.load_older;
    olderButton.setAttribute("aria-busy", String(loadingOlder));
  }

  // Typing ---------------------------------------------------------------------------------

  function renderTyping() {
    const names = [...typists.values()].map((t) => t.name);
    if (!names.length) typingEl.textContent = "";
    else if (names.length === 1) typingEl.textContent = fill(L.typing_one, { name: names[0] });
    else if (names.length === 2) {
      typingEl.textContent = fill(L.typing_two, { first: names[0], second: names[1] });
    } else typingEl.textContent = fill(L.typing_many, { n: names.length });
  }

  function forgetTypist(id) {
    const typist = typists.get(id);
    if (!typist) return;
    clearTimeout(typist.timer);
    typists.delete(id);
    renderTyping();
  }

  function onTyping(signal) {
    if (!signal.actor || signal.actor.id === me.id) return; // our other tabs
    const id = signal.actor.id;
    forgetTypist(id);
    if (signal.data.active) {
      typists.set(id, { name: signal.actor.name,
        timer: setTimeout(() => forgetTypist(id), TYPING_FORGET) });
      renderTyping();
    }
  }

  let typingSentAt = 0;
  function typing() {
    if (textarea.value.trim()) {
      if (Date.now() - typingSentAt > TYPING_EVERY) {
        typingSentAt = Date.now();
        live.signal("typing", { active: true });
      }
    } else {
      stopTyping();
    }
  }

  function stopTyping() {
    if (typingSentAt) {
      typingSentAt = 0;
      live.signal("typing", { active: false });
    }
  }

  // Applying the stream -----------------------------------------------------------------

  function isOthers(message) {
    return !(message.author && me.id && message.author.id === me.id);
  }

  function applySnapshot(snapshot) {
    generation += 1;
    state.messages = new Map(snapshot.messages.map((m) => [m.id, m]));
    state.order = snapshot.messages.map((m) => m.id);
    state.hasMore = snapshot.has_more;
    state.readSeq = snapshot.read_seq;
    state.unread = snapshot.unread;
    if (firstSnapshot) {
      firstSnapshot = false;
      dividerSeq = me.id && snapshot.unread > 0 ? snapshot.read_seq : null;
      renderAll();
      const line = document.getElementById("chat-divider");
      if (line) scroller.scrollTop = line.offsetTop - scroller.offsetTop - 8;
      else scrollToBottom();
    } else {
      keepingPlace(renderAll);
    }
    renderUnread();
    markReadSoon();
  }

  function updateQuotes(message) {
    for (const other of state.messages.values()) {
      if (other.reply_to && other.reply_to.id === message.id) {
        other.reply_to.hidden = Boolean(message.hidden);
        other.reply_to.excerpt = message.deleted ? null
          : message.hidden ? L.hidden : excerpt(message.text);
        redraw(other.id);
      }
    }
  }

  /** Of two states of one message, the later: deleted is final, then the later edit. */
  function later(a, b) {
    if (!b) return a;
    if (a.deleted || b.deleted) return a.deleted ? a : b;
    return (b.edited_at || "") > (a.edited_at || "") ? b : a;
  }

  function applyEvent(event) {
    const data = event.data;
    switch (event.name) {
      case "message.created": {
        const message = data.message;
        if (event.op) {
          landed.add(event.op);
          const pending = list.querySelector('.pending[data-op="' + CSS.escape(event.op) + '"]');
          if (pending) pending.remove();
        }
        const wasAtBottom = atBottom();
        const empty = list.querySelector(".chat-empty");
        if (empty) empty.remove();
        if (!state.messages.has(message.id)) state.order.push(message.id);
        state.messages.set(message.id, message);
        redraw(message.id);
        if (message.author) forgetTypist(message.author.id);
        if (isOthers(message)) {
          if (me.id && message.seq > state.readSeq) state.unread += 1;
          announceMessage(message);
        }
        if (wasAtBottom || !isOthers(message)) {
          scrollToBottom();
        } else {
          newBelow += 1;
          renderJump();
        }
        renderUnread();
        markReadSoon();
        break;
      }
      case "message.edited":
      case "message.deleted": {
        const message = data.message;
        if (event.name === "message.deleted" && me.id && isOthers(message)
            && message.seq > state.readSeq) {
          state.unread = Math.max(0, state.unread - 1);
        }
        if (state.messages.has(message.id)) {
          if (editing === message.id && message.deleted) editing = null;
          state.messages.set(message.id, message);
          keepingPlace(() => redraw(message.id));
        } else {
          orphans.set(message.id, message);
        }
        updateQuotes(message);
        renderUnread();
        break;
      }
      case "message.hidden":
      case "message.unhidden": {
        // A moderator hid or restored it: a replay from before may not have carried it at all.
        const message = data.message;
        const held = state.messages.has(message.id);
        if (!held) {
          state.order.push(message.id);
          state.order.sort((a, b) => a - b);
        }
        // A hidden message is not unread (the server no longer counts it); restored, it is again.
        if (me.id && isOthers(message) && message.seq > state.readSeq && !message.deleted) {
          if (!message.hidden) state.unread += 1;
          else if (held) state.unread = Math.max(0, state.unread - 1);
        }
        if (editing === message.id) editing = null;
        state.messages.set(message.id, message);
        keepingPlace(renderAll);
        updateQuotes(message);
        renderUnread();
        break;
      }
      case "read":
        if (event.actor && event.actor.id === me.id && data.seq > state.readSeq) {
          if (data.seq >= lastSeq()) {
            state.unread = 0;
          } else {
            for (const message of state.messages.values()) {
              if (message.seq > state.readSeq && message.seq <= data.seq
                  && isOthers(message) && !message.deleted && !message.hidden) {
                state.unread = Math.max(0, state.unread - 1);
              }
            }
          }
          state.readSeq = data.seq;
          renderUnread();
        }
        break;
      default:
        break; // an event this page does not know: newer server, ignore
    }
  }

  // Older messages -----------------------------------------------------------------------

  async function loadOlder() {
    if (loadingOlder || !state.hasMore || !state.order.length) return;
    loadingOlder = true;
    renderOlder();
    const asked = generation;
    try {
      const response = await fetch(app.dataset.history + "?avant=" + state.order[0], {
        credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      if (asked !== generation) return; // a snapshot replaced what we were extending
      const height = scroller.scrollHeight;
      const top = scroller.scrollTop;
      const older = page.messages.filter((m) => !state.messages.has(m.id));
      for (const message of older) {
        state.messages.set(message.id, later(message, orphans.get(message.id)));
        orphans.delete(message.id);
      }
      state.order = [...older.map((m) => m.id), ...state.order];
      state.hasMore = page.has_more;
      loadingOlder = false;
      renderAll();
      // What was on screen stays where it was; the older messages are above it.
      scroller.scrollTop = top + (scroller.scrollHeight - height);
    } catch (_error) {
      alertPerson(L.load_failed);
    } finally {
      loadingOlder = false;
      renderOlder();
    }
  }

  // Reading ------------------------------------------------------------------------------

  let readTimer = null;
  function markReadSoon() {
    clearTimeout(readTimer);
    readTimer = setTimeout(markRead, 300);
  }

  /** Tell the server how far we read: only while the page is seen and the end is in view. */
  function markRead() {
    if (!me.id || document.visibilityState !== "visible" || !atBottom()) return;
    const seq = lastSeq();
    if (!seq || seq <= state.readSeq || seq <= readSent) return;
    readSent = seq;
    live.send("read", { seq: seq });
  }

  // Ops ----------------------------------------------------------------------------------

  function setReply(message) {
    replyTo = message;
    if (!replyingEl) return;
    if (!message) {
      replyingEl.hidden = true;
      replyingEl.replaceChildren();
      return;
    }
    replyingEl.replaceChildren(
      el("span", { text: fill(L.replying_to, { name: authorName(message.author) }) + " " }),
      el("q", { text: excerpt(message.text || "") }), " ",
      el("button", { type: "button", class: "link-button", text: L.cancel_reply,
        onclick: () => { setReply(null); textarea.focus(); } }));
    replyingEl.hidden = false;
    textarea.focus();
  }

  function deleteMessage(message) {
    if (window.confirm(L.confirm_delete)) {
      live.send("message.delete", { message: message.id });
      if (textarea) textarea.focus();
    }
  }

  function sendMessage() {
    const text = textarea.value.trim();
    if (!text) return;
    const data = { text: text };
    if (replyTo) data.reply_to = replyTo.id;
    live.send("message.send", data);
    textarea.value = "";
    setReply(null);
    stopTyping();
    scrollToBottom();
  }

  function editLastOfMine() {
    for (let i = state.order.length - 1; i >= 0; i -= 1) {
      const message = state.messages.get(state.order[i]);
      if (!message.deleted && !isOthers(message)) {
        openEditor(message.id);
        return;
      }
    }
  }

  if (form && textarea) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      sendMessage();
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendMessage();
      } else if (event.key === "Escape" && replyTo) {
        event.preventDefault();
        setReply(null);
      } else if (event.key === "ArrowUp" && !textarea.value) {
        event.preventDefault();
        editLastOfMine();
      }
    });
    textarea.addEventListener("input", typing);
    textarea.addEventListener("blur", stopTyping);
  }

  // Wiring -------------------------------------------------------------------------------

  scroller.addEventListener("scroll", () => {
    if (atBottom()) {
      newBelow = 0;
      renderJump();
      markReadSoon();
    }
    if (scroller.scrollTop < NEAR * 2) loadOlder();
  }, { passive: true });
  jumpButton.addEventListener("click", () => {
    scrollToBottom();
    markReadSoon();
  });
  document.addEventListener("visibilitychange", markReadSoon);
  window.addEventListener("focus", markReadSoon);

  live.on("status", showStatus);
  live.on("hello", (hello) => {
    me = hello.me || me;
    if (!hello.replay) applySnapshot(hello.state);
  });
  live.on("event", applyEvent);
  live.on("outbox", () => keepingPlace(renderPending));
  live.on("error", (error, op) => {
    if (op && op.op === "read") return; // a late tab's marker: nothing to tell anyone
    alertPerson(error.message);
  });
  live.on("signal", (signal) => {
    if (signal.name === "typing") onTyping(signal);
  });

  showStatus("connecting");
  live.start();
  window.faireEnsembleChat = { live: live, state: state };
})();
