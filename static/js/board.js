/*
 * board.js — the live idea board. Takes over the server-rendered page: draws the board from
 * the stream's state (hello) and applies its events in seq order; sends ops through
 * LiveStream (realtime.js), which keeps them in an outbox until the server acks them.
 *
 * All text from people is written with textContent: nothing they type becomes markup.
 */
(function () {
  "use strict";

  const app = document.getElementById("board-app");
  if (!app || !window.LiveStream) return;

  const L = JSON.parse(document.getElementById("board-labels").textContent);
  const lang = document.documentElement.lang || "fr";
  const boardId = Number(app.dataset.board);
  const columnsEl = document.getElementById("columns");
  const statusEl = document.getElementById("connection");
  const alertsEl = document.getElementById("board-alerts");
  const presenceEl = document.getElementById("presence");
  const lockedEl = document.getElementById("locked-banner");
  const titleEl = document.getElementById("board-title");
  const hiddenEl = document.getElementById("hidden-banner");

  const state = { board: null, columns: [], cards: new Map(), groups: [] };
  let me = { id: null, can_write: false, can_vote: false, can_moderate: false };
  const voted = new Set();
  const votedGroups = new Set();
  const editingBy = new Map(); // card id → {name, timer}
  let editingCard = null; // the card whose edit form is open here
  let focusAfterRender = null; // card id to focus once it is drawn again

  const live = new window.LiveStream(app.dataset.ws, { storageKey: "board:" + boardId });

  // Words --------------------------------------------------------------------------------

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_m, key) => String(values[key]));
  }

  function plural(forms, n) {
    const one = n === 1 || (lang.startsWith("fr") && n === 0);
    return fill(forms[one ? 0 : 1], { n: n });
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

  // Alerts and status ----------------------------------------------------------------------

  let alertTimer = null;
  function announce(message, action) {
    alertsEl.replaceChildren(el("p", { text: message }));
    if (action) {
      alertsEl.firstChild.append(" ", el("button", { type: "button", text: action.label,
        onclick: () => { alertsEl.replaceChildren(); action.run(); } }));
    }
    clearTimeout(alertTimer);
    alertTimer = setTimeout(() => alertsEl.replaceChildren(), action ? 10000 : 8000);
  }

  function showStatus(status) {
    statusEl.dataset.state = status;
    statusEl.textContent = L.status[status] || status;
  }

  // Rights -----------------------------------------------------------------------------------

  function locked() {
    return Boolean(state.board && state.board.locked && !me.can_moderate);
  }

  // A workshop table follows its phases (the server decides; this only keeps the page honest).
  const PHASE_ALLOWS = { write: ["idees"], move: ["idees", "regroupement"], vote: ["vote"],
    group: ["idees", "regroupement"] };

  function phaseAllows(action) {
    const phase = state.board && state.board.phase;
    return !phase || me.can_moderate || PHASE_ALLOWS[action].includes(phase);
  }

  function followPhase() {
    if (!me.id || me.can_moderate) return;
    me.can_write = phaseAllows("write");
    me.can_vote = state.board.votes_per_person > 0 && phaseAllows("vote");
  }

  function canEdit(card) {
    return Boolean(me.id && (me.can_moderate || (card.author && card.author.id === me.id)));
  }

  function votesLeft() {
    const used = voted.size + votedGroups.size; // one budget for cards and groups
    return Math.max(0, (state.board ? state.board.votes_per_person : 0) - used);
  }

  function canGroup() {
    return Boolean(me.id && state.board && !locked() && phaseAllows("group")
      && !state.board.cards_hidden && (!state.board.grouping_by_team_only || me.can_moderate));
  }

  /** The group a card is drawn in: null when ungrouped (or its group is unknown here). */
  function groupOf(card) {
    return card.group && state.groups.some((g) => g.id === card.group) ? card.group : null;
  }

  // Drawing ------------------------------------------------------------------------------

  function sortedCards(columnId) {
    return [...state.cards.values()]
      .filter((card) => card.column === columnId)
      .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id - b.id));
  }

  function columnTitle(columnId) {
    const column = state.columns.find((c) => c.id === columnId);
    return column ? column.title : "";
  }

  function renderCard(card) {
    const mine = voted.has(card.id);
    const li = el("li", {
      class: "card color-" + card.color + (editingBy.has(card.id) ? " is-being-edited" : ""),
      id: "card-" + card.id,
      "data-card": card.id,
      "data-version": card.version,
      tabindex: "0",
      "aria-labelledby": "card-" + card.id + "-text",
      "aria-describedby": "keyboard-help",
    });
    li.append(el("p", { class: "card-text", id: "card-" + card.id + "-text", text: card.text }));
    li.append(el("p", { class: "card-meta" },
      el("span", { class: "card-author",
        text: card.author ? (card.author.id === me.id ? card.author.name + " (" + L.yours + ")"
          : card.author.name) : L.former_member }),
      " · ",
      el("span", { class: "card-votes", text: plural(L.votes, card.votes) })));
    const who = editingBy.get(card.id);
    li.append(el("p", { class: "card-editing", hidden: !who,
      text: who ? fill(L.editing, { name: who.name }) : "" }));

    if (editingCard === card.id) {
      li.append(editForm(card));
      return li;
    }
    const actions = el("div", { class: "card-actions" });
    if (me.can_vote && (!groupOf(card) || mine)) {
      actions.append(el("button", {
        type: "button", class: "vote" + (mine ? " is-voted" : ""), "aria-pressed": String(mine),
        disabled: locked() || (!mine && votesLeft() === 0),
        text: mine ? L.unvote : L.vote,
        onclick: () => live.send(mine ? "card.unvote" : "card.vote", { card: card.id }),
      }));
    }
    if (canEdit(card) && !locked()) {
      actions.append(
        el("button", { type: "button", class: "edit", text: L.edit,
          onclick: () => openEditor(card.id) }),
        el("button", { type: "button", class: "delete", text: L.delete,
          onclick: () => deleteCard(card) }),
        moveControl(card),
        el("button", { type: "button", class: "drag-handle", "aria-label": L.drag,
          title: L.drag, text: "⠿", tabindex: "-1", onpointerdown: (e) => startDrag(e, card) }),
      );
    }
    if (canGroup()) actions.append(groupControl(card));
    if (me.id && !(card.author && card.author.id === me.id)) {
      actions.append(el("a", { class: "report", href: "/moderation/signaler/card/" + card.id + "/",
        text: L.report }));
    }
    li.append(actions);
    return li;
  }

  // Groups ----------------------------------------------------------------------------------

  /** « Regrouper dans… »: the keyboard (and touch) way to stack a card, like « Déplacer vers ». */
  function groupControl(card) {
    const id = "group-of-" + card.id;
    const select = el("select", { id: id, class: "group-select" },
      el("option", { value: "", text: L.no_group, selected: !groupOf(card) }));
    for (const group of state.groups) {
      select.append(el("option", { value: group.id, text: group.title,
        selected: group.id === groupOf(card) }));
    }
    select.addEventListener("change", () => {
      focusAfterRender = card.id;
      live.send("card.group", { card: card.id, group: select.value ? Number(select.value) : null });
    });
    return el("span", { class: "group-to" },
      el("label", { for: id, class: "visually-hidden", text: L.group_to }), select);
  }

  function canEditGroup(group) {
    return canGroup() && (me.can_moderate || group.created_by === me.id);
  }

  let renamingGroup = null; // the group whose rename form is open here

  function renderGroup(group, columnId) {
    const titleId = "group-" + group.id + "-" + columnId + "-title";
    const section = el("section", { class: "card-group", "data-group": group.id,
      "aria-labelledby": titleId });
    const header = el("div", { class: "group-header" });
    if (renamingGroup === group.id) {
      const inputId = "rename-group-" + group.id;
      const input = el("input", { id: inputId, name: "title", required: true,
        maxlength: String(live.limits.group_title_max || 80) });
      input.value = group.title;
      const form = el("form", { class: "rename-group" },
        el("label", { for: inputId, text: L.group_title }), input,
        el("button", { type: "submit", class: "primary", text: L.save }),
        el("button", { type: "button", text: L.cancel,
          onclick: () => { renamingGroup = null; renderAll(); } }));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const title = input.value.trim();
        if (title && title !== group.title) live.send("group.update", { group: group.id, title: title });
        renamingGroup = null;
        renderAll();
      });
      form.addEventListener("keydown", (event) => {
        if (event.key === "Escape") { renamingGroup = null; renderAll(); }
      });
      header.append(el("h3", { class: "group-title visually-hidden", id: titleId,
        text: fill(L.group_label, { title: group.title }) }), form);
    } else {
      header.append(el("h3", { class: "group-title", id: titleId, text: group.title }));
    }
    header.append(el("p", { class: "group-votes", text: plural(L.votes, group.votes) }));
    const actions = el("div", { class: "group-actions" });
    const mine = votedGroups.has(group.id);
    if (me.can_vote) {
      actions.append(el("button", {
        type: "button", class: "vote" + (mine ? " is-voted" : ""), "aria-pressed": String(mine),
        disabled: locked() || (!mine && votesLeft() === 0),
        text: mine ? L.unvote_group : L.vote_group,
        "aria-describedby": titleId,
        onclick: () => live.send(mine ? "group.unvote" : "group.vote", { group: group.id }),
      }));
    }
    if (canEditGroup(group) && renamingGroup !== group.id) {
      actions.append(
        el("button", { type: "button", class: "edit", text: L.rename, "aria-describedby": titleId,
          onclick: () => {
            renamingGroup = group.id;
            renderAll();
            const input = document.getElementById("rename-group-" + group.id);
            if (input) input.focus();
          } }),
        el("button", { type: "button", class: "delete", text: L.delete_group,
          "aria-describedby": titleId,
          onclick: () => live.send("group.delete", { group: group.id }) }));
    }
    header.append(actions);
    section.append(header, el("ol", { class: "cards group-cards", "data-column": columnId,
      "data-group": group.id }));
    return section;
  }

  /** The create-a-group form, above the columns: a title, and the cards to stack go in later. */
  function renderGroupForm() {
    let form = document.getElementById("new-group");
    if (!canGroup()) { if (form) form.remove(); return; }
    if (form) return;
    const input = el("input", { id: "new-group-title", name: "title", required: true,
      maxlength: String(live.limits.group_title_max || 80) });
    form = el("form", { id: "new-group", class: "new-group" },
      el("label", { for: "new-group-title", text: L.new_group }), input,
      el("button", { type: "submit", text: L.create_group }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const title = input.value.trim();
      if (!title) return;
      live.send("group.create", { title: title });
      input.value = "";
    });
    columnsEl.before(form);
  }

  function moveControl(card) {
    const id = "move-" + card.id;
    const select = el("select", { id: id, class: "move-select" });
    for (const column of state.columns) {
      select.append(el("option", { value: column.id, text: column.title,
        selected: column.id === card.column }));
    }
    select.addEventListener("change", () => {
      const target = Number(select.value);
      const others = sortedCards(target).filter((c) => c.id !== card.id);
      move(card, target, others.length ? others[others.length - 1].id : null);
    });
    return el("span", { class: "move" },
      el("label", { for: id, class: "visually-hidden", text: L.move_to }), select);
  }

  function editForm(card) {
    const textId = "edit-" + card.id;
    const colorId = "edit-color-" + card.id;
    const text = el("textarea", { id: textId, name: "text", rows: "3",
      maxlength: String(live.limits.card_text_max || 500), required: true });
    text.value = card.text;
    const color = el("select", { id: colorId, name: "color" });
    for (const [value, label] of Object.entries(L.colors)) {
      color.append(el("option", { value: value, text: label, selected: value === card.color }));
    }
    const form = el("form", { class: "edit-card" },
      el("label", { for: textId, text: L.text }), text,
      el("label", { for: colorId, text: L.color }), color,
      el("div", { class: "edit-actions" },
        el("button", { type: "submit", class: "primary", text: L.save }),
        el("button", { type: "button", text: L.cancel, onclick: () => closeEditor(card.id) })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = { card: card.id, base_version: card.version };
      if (text.value.trim() !== card.text) data.text = text.value;
      if (color.value !== card.color) data.color = color.value;
      if (data.text !== undefined || data.color !== undefined) live.send("card.update", data);
      closeEditor(card.id);
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") closeEditor(card.id);
    });
    return form;
  }

  function openEditor(cardId) {
    editingCard = cardId;
    live.signal("editing", { card: cardId, active: true });
    redrawCard(cardId);
    const area = document.getElementById("edit-" + cardId);
    if (area) area.focus();
  }

  function closeEditor(cardId) {
    if (editingCard !== cardId) return;
    editingCard = null;
    live.signal("editing", { card: cardId, active: false });
    focusAfterRender = cardId;
    redrawCard(cardId);
  }

  function listOf(columnId) {
    return columnsEl.querySelector('ol.cards[data-column="' + columnId + '"]');
  }

  /** Put a card's element where its (column, position) says, replacing the old one. */
  function redrawCard(cardId) {
    const card = state.cards.get(cardId);
    const old = document.getElementById("card-" + cardId);
    const hadFocus = old && old.contains(document.activeElement);
    if (old) old.remove();
    if (!card) return;
    const group = groupOf(card);
    const list = group
      ? columnsEl.querySelector('ol.group-cards[data-column="' + card.column + '"][data-group="' + group + '"]')
      : listOf(card.column);
    if (!list) { if (group) renderAll(); return; } // its group is not drawn in this column yet
    const node = renderCard(card);
    const next = sortedCards(card.column).filter((c) => groupOf(c) === group).find(
      (c) => c.position > card.position || (c.position === card.position && c.id > card.id));
    const before = next ? document.getElementById("card-" + next.id) : null;
    list.insertBefore(node, before || list.querySelector(".card.pending"));
    if (hadFocus || focusAfterRender === cardId) {
      focusAfterRender = null;
      if (editingCard === cardId) {
        const area = document.getElementById("edit-" + cardId);
        if (area) area.focus();
      } else {
        node.focus();
      }
    }
  }

  const landed = new Set(); // ops whose event arrived before their ack

  function renderPending() {
    for (const node of columnsEl.querySelectorAll(".card.pending")) node.remove();
    const waiting = new Set(live.pending().map((op) => op.id));
    for (const id of landed) if (!waiting.has(id)) landed.delete(id);
    for (const op of live.pending()) {
      if (op.op !== "card.create" || landed.has(op.id)) continue;
      const list = listOf(op.data.column);
      if (!list) continue;
      list.append(el("li", { class: "card pending color-" + (op.data.color || "yellow"),
        "data-op": op.id },
        el("p", { class: "card-text", text: op.data.text }),
        el("p", { class: "card-meta" }, el("span", { class: "pending-mark", text: L.pending }))));
    }
  }

  function renderColumns() {
    // Columns come and go rarely: rebuild the frame, keeping each column's add form.
    const forms = new Map();
    for (const form of columnsEl.querySelectorAll("form.add-card")) {
      forms.set(Number(form.dataset.column), form);
    }
    const sections = state.columns.map((column) => {
      const section = el("section", { class: "column", "data-column": column.id,
        "aria-labelledby": "column-" + column.id + "-title" },
        el("h2", { class: "column-title", id: "column-" + column.id + "-title",
          text: column.title }),
        el("ol", { class: "cards", "data-column": column.id }));
      const form = forms.get(column.id);
      if (form) section.append(form);
      return section;
    });
    columnsEl.replaceChildren(...sections);
  }

  function renderAll() {
    const focusedCard = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest(".card[data-card]") : null;
    if (focusedCard) focusAfterRender = Number(focusedCard.dataset.card);
    renderColumns();
    const placed = new Set(state.cards.size ? [...state.cards.values()].map(groupOf) : []);
    state.columns.forEach((column, index) => {
      const list = listOf(column.id);
      const cards = sortedCards(column.id);
      // A group is drawn in each column holding some of its cards (an empty one: the first).
      const groups = state.groups.filter((g) => cards.some((c) => groupOf(c) === g.id)
        || (index === 0 && !placed.has(g.id)));
      if (groups.length) {
        const holder = el("div", { class: "card-groups" });
        for (const group of groups) holder.append(renderGroup(group, column.id));
        list.before(holder);
      }
      for (const card of cards) {
        const group = groupOf(card);
        const target = group ? listOf(column.id).parentElement.querySelector(
          'ol.group-cards[data-group="' + group + '"]') : list;
        target.append(renderCard(card));
      }
    });
    renderGroupForm();
    renderPending();
    renderBoard();
    if (focusAfterRender !== null) {
      const node = document.getElementById("card-" + focusAfterRender);
      focusAfterRender = null;
      if (node) node.focus();
    }
  }

  function renderBoard() {
    if (!state.board) return;
    titleEl.textContent = state.board.title;
    lockedEl.hidden = !state.board.locked;
    renderHidden();
    app.classList.toggle("is-locked", locked());
    for (const form of columnsEl.querySelectorAll("form.add-card")) {
      for (const control of form.elements) control.disabled = locked() || !me.can_write;
    }
    const left = document.getElementById("votes-left");
    if (left) {
      left.hidden = !me.can_vote;
      left.textContent = plural(L.votes_left, votesLeft());
    }
    const phaseEl = document.getElementById("phase-banner");
    if (phaseEl && state.board.phase) {
      phaseEl.textContent = fill(L.phase, { phase: L.phases[state.board.phase] || state.board.phase });
    }
  }

  // Hidden mode: the server sends a participant only their own cards and the total count.
  function renderHidden() {
    const hidden = Boolean(state.board.cards_hidden);
    hiddenEl.hidden = !hidden;
    hiddenEl.replaceChildren();
    if (!hidden) return;
    if (me.can_moderate) {
      hiddenEl.append(L.hidden_team, " ", el("button", { type: "button", class: "reveal",
        text: L.reveal, onclick: () => live.send("board.update", { cards_hidden: false }) }));
    } else {
      const own = [...state.cards.values()].length;
      hiddenEl.append(fill(L.hidden_self, { total: state.cards_total || 0,
        others: Math.max(0, (state.cards_total || 0) - own) }));
    }
  }

  function renderPresence(data) {
    const people = data.people || [];
    const items = people.map((p) => el("li", { text: p.id === me.id
      ? p.name + " (" + L.yours + ")" : p.name }));
    if (data.anonymous) items.push(el("li", { text: fill(L.anonymous, { n: data.anonymous }) }));
    if (!items.length || (people.length === 1 && people[0].id === me.id && !data.anonymous)) {
      items.push(el("li", { class: "alone", text: L.alone }));
    }
    presenceEl.replaceChildren(...items);
  }

  // Applying the stream -----------------------------------------------------------------

  function applyState(snapshot) {
    state.board = snapshot.board;
    state.columns = snapshot.columns;
    state.cards = new Map(snapshot.cards.map((card) => [card.id, card]));
    state.cards_total = snapshot.cards_total;
    state.groups = snapshot.groups || [];
  }

  function sortGroups() {
    state.groups.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1
      : a.id - b.id));
  }

  function sortColumns() {
    state.columns.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1
      : a.id - b.id));
  }

  function applyEvent(event) {
    const data = event.data;
    switch (event.name) {
      case "board.created":
      case "board.updated":
        if (data.board.cards_hidden && state.board && !state.board.cards_hidden
            && !me.can_moderate) {
          // Hidden mode begins: keep our own cards, and the count of all.
          state.cards_total = state.cards.size;
          for (const [id, card] of state.cards) {
            if (!card.author || card.author.id !== me.id) state.cards.delete(id);
          }
        }
        if (state.board && data.board.phase && data.board.phase !== state.board.phase) {
          announce(fill(L.phase, { phase: L.phases[data.board.phase] || data.board.phase }));
        }
        state.board = data.board;
        followPhase();
        if (data.columns) { state.columns = data.columns; renderAll(); } else renderAll();
        break;
      case "column.created":
      case "column.updated": {
        const index = state.columns.findIndex((c) => c.id === data.column.id);
        if (index === -1) state.columns.push(data.column); else state.columns[index] = data.column;
        sortColumns();
        renderAll();
        break;
      }
      case "column.deleted":
        state.columns = state.columns.filter((c) => c.id !== data.column);
        renderAll();
        break;
      case "card.created":
      case "card.updated":
      case "card.moved":
      case "card.restored":
      case "card.unhidden":
        if (event.op && event.name === "card.created") {
          landed.add(event.op);
          const pending = columnsEl.querySelector('.card.pending[data-op="' + CSS.escape(event.op) + '"]');
          if (pending) pending.remove();
        }
        state.cards.set(data.card.id, data.card);
        redrawCard(data.card.id);
        if (event.name === "card.updated" && data.replaced && data.card.author
            && data.card.author.id === me.id && event.actor && event.actor.id !== me.id) {
          announce(fill(L.editing, { name: event.actor.name }) + " « " + data.replaced.text + " »");
        }
        break;
      case "card.deleted":
      case "card.hidden": // a moderator hid it: gone from every board
        state.cards.delete(data.card);
        voted.delete(data.card);
        redrawCard(data.card);
        renderBoard();
        break;
      case "card.voted":
      case "card.unvoted": {
        const card = state.cards.get(data.card);
        if (data.voter === me.id) {
          if (event.name === "card.voted") voted.add(data.card); else voted.delete(data.card);
        }
        if (card) card.votes = data.votes;
        if (data.voter === me.id) {
          // Our budget changed: every vote button may flip between enabled and disabled.
          for (const id of state.cards.keys()) redrawCard(id);
          renderBoard();
        } else {
          redrawCard(data.card);
        }
        break;
      }
      case "group.created":
      case "group.updated": {
        const index = state.groups.findIndex((g) => g.id === data.group.id);
        if (index === -1) state.groups.push(data.group); else state.groups[index] = data.group;
        sortGroups();
        for (const card of data.cards || []) state.cards.set(card.id, card);
        renderAll();
        break;
      }
      case "group.deleted":
        state.groups = state.groups.filter((g) => g.id !== data.group);
        votedGroups.delete(data.group); // that vote no longer counts
        for (const card of data.cards) state.cards.set(card.id, card);
        renderAll();
        break;
      case "card.grouped":
        state.cards.set(data.card.id, data.card);
        renderAll();
        break;
      case "group.voted":
      case "group.unvoted": {
        const group = state.groups.find((g) => g.id === data.group);
        if (group) group.votes = data.votes;
        if (data.voter === me.id) {
          if (event.name === "group.voted") votedGroups.add(data.group);
          else votedGroups.delete(data.group);
        }
        renderAll();
        break;
      }
      case "board.timer":
        if (state.board) state.board.timer = { ends_at: data.ends_at, seconds: data.seconds };
        timer.update();
        break;
      case "redacted": // someone else's hidden card changed: only the count is ours to know
        break; // (data {}: hidden by a moderator, nothing for this reader)
      case "cards.revealed":
        state.board = data.board;
        state.cards = new Map(data.cards.map((card) => [card.id, card]));
        delete state.cards_total;
        followPhase();
        renderAll();
        announce(L.revealed);
        break;
      default:
        break; // an event this page does not know: newer server, ignore
    }
    if (data && data.cards_total !== undefined && state.cards_total !== undefined) {
      state.cards_total = data.cards_total;
      renderHidden();
    }
  }

  // Ops ----------------------------------------------------------------------------------

  function deleteCard(card) {
    live.send("card.delete", { card: card.id });
    announce(L.deleted, { label: L.undo, run: () => live.send("card.restore", { card: card.id }) });
  }

  function move(card, columnId, afterId) {
    if (locked() || !phaseAllows("move")) return;
    if (card.column === columnId) {
      const siblings = sortedCards(columnId);
      const index = siblings.findIndex((c) => c.id === card.id);
      const before = index > 0 ? siblings[index - 1].id : null;
      if (before === afterId) return; // already there
    }
    focusAfterRender = card.id;
    live.send("card.move", { card: card.id, column: columnId, after: afterId });
  }

  function moveByKeyboard(card, key) {
    const columnIndex = state.columns.findIndex((c) => c.id === card.column);
    const siblings = sortedCards(card.column);
    const index = siblings.findIndex((c) => c.id === card.id);
    if (key === "ArrowLeft" || key === "ArrowRight") {
      const target = state.columns[columnIndex + (key === "ArrowLeft" ? -1 : 1)];
      if (!target) return;
      const others = sortedCards(target.id);
      move(card, target.id, others.length ? others[others.length - 1].id : null);
      announce(fill(L.moved, { column: target.title, position: others.length + 1 }));
    } else if (key === "ArrowUp" && index > 0) {
      move(card, card.column, index > 1 ? siblings[index - 2].id : null);
      announce(fill(L.moved, { column: columnTitle(card.column), position: index }));
    } else if (key === "ArrowDown" && index < siblings.length - 1) {
      move(card, card.column, siblings[index + 1].id);
      announce(fill(L.moved, { column: columnTitle(card.column), position: index + 2 }));
    }
  }

  columnsEl.addEventListener("keydown", (event) => {
    const node = event.target.closest && event.target.closest(".card[data-card]");
    if (!node || event.target !== node) return; // keys inside the card's controls are theirs
    const card = state.cards.get(Number(node.dataset.card));
    if (!card) return;
    if (event.altKey && event.key.startsWith("Arrow")) {
      event.preventDefault();
      if (canEdit(card)) moveByKeyboard(card, event.key);
    } else if (!event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      // Plain arrows walk from card to card.
      const cards = [...node.parentElement.querySelectorAll(".card[data-card]")];
      const next = cards[cards.indexOf(node) + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) { event.preventDefault(); next.focus(); }
    }
  });

  // Adding a card: the forms post without JavaScript; with it they go through the socket.
  columnsEl.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.classList.contains("add-card")) return;
    event.preventDefault();
    const text = form.elements.text.value.trim();
    if (!text) return;
    live.send("card.create", { column: Number(form.dataset.column), text: text,
      color: form.elements.color.value });
    form.elements.text.value = "";
    updateCount(form.elements.text);
    form.elements.text.focus();
  });

  columnsEl.addEventListener("keydown", (event) => {
    // Enter adds the card, Shift+Enter goes to a new line.
    if (event.target.name === "text" && event.target.form
        && event.target.form.classList.contains("add-card")
        && event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });

  function updateCount(area) {
    const counter = document.getElementById(area.getAttribute("aria-describedby"));
    if (counter) counter.textContent = fill(L.chars_left, { n: area.maxLength - area.value.length });
  }
  columnsEl.addEventListener("input", (event) => {
    if (event.target.name === "text" && event.target.form
        && event.target.form.classList.contains("add-card")) updateCount(event.target);
  });

  // Drag and drop with pointer events: mouse, pen and touch alike ---------------------------

  let drag = null;

  function startDrag(event, card) {
    if (locked() || !phaseAllows("move") || event.button > 0) return;
    event.preventDefault();
    const node = document.getElementById("card-" + card.id);
    drag = { card: card, node: node, marker: el("li", { class: "drop-marker", "aria-hidden": "true" }) };
    node.classList.add("is-dragging");
    event.target.setPointerCapture(event.pointerId);
    event.target.addEventListener("pointermove", onDragMove);
    event.target.addEventListener("pointerup", onDragEnd, { once: true });
    event.target.addEventListener("pointercancel", onDragCancel, { once: true });
  }

  function dropTarget(x, y) {
    const under = document.elementFromPoint(x, y);
    const section = under && under.closest(".column[data-column]");
    if (!section) return null;
    const columnId = Number(section.dataset.column);
    const cards = sortedCards(columnId).filter((c) => c.id !== drag.card.id);
    let after = null;
    for (const card of cards) {
      const node = document.getElementById("card-" + card.id);
      const box = node.getBoundingClientRect();
      if (y > box.top + box.height / 2) after = card.id; else break;
    }
    return { columnId: columnId, after: after };
  }

  function onDragMove(event) {
    if (!drag) return;
    const target = dropTarget(event.clientX, event.clientY);
    drag.target = target;
    if (!target) { drag.marker.remove(); return; }
    const list = listOf(target.columnId);
    const afterNode = target.after ? document.getElementById("card-" + target.after) : null;
    list.insertBefore(drag.marker, afterNode ? afterNode.nextSibling : list.firstChild);
  }

  function onDragEnd(event) {
    if (!drag) return;
    event.target.removeEventListener("pointermove", onDragMove);
    const target = drag.target || dropTarget(event.clientX, event.clientY);
    const card = drag.card;
    drag.marker.remove();
    drag.node.classList.remove("is-dragging");
    drag = null;
    if (target) move(card, target.columnId, target.after);
  }

  function onDragCancel(event) {
    if (!drag) return;
    event.target.removeEventListener("pointermove", onDragMove);
    drag.marker.remove();
    drag.node.classList.remove("is-dragging");
    drag = null;
  }

  // The countdown ---------------------------------------------------------------------------
  // The board says when it ends (server time). Each hello carries the server's clock, so the
  // phone's own clock (often minutes off) only measures the time elapsed since. The visible
  // timer (role="timer") is silent; a separate live region speaks at one minute and at zero.

  const timer = (function () {
    const node = document.getElementById("board-timer");
    const digits = document.getElementById("board-timer-digits");
    const voice = document.getElementById("board-timer-announce");
    let offset = 0; // server time minus this page's time, in ms
    let last = null; // the seconds left at the previous tick
    let ticking = null;

    function sync(serverNow) {
      const at = serverNow ? Date.parse(serverNow) : NaN;
      if (!Number.isNaN(at)) offset = at - Date.now();
    }

    function left() {
      const ends = state.board && state.board.timer && state.board.timer.ends_at;
      if (!ends) return null;
      return Math.max(0, Math.ceil((Date.parse(ends) - (Date.now() + offset)) / 1000));
    }

    function tick() {
      const seconds = left();
      if (!node) return;
      node.hidden = seconds === null;
      if (seconds === null) { last = null; return; }
      digits.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
      node.classList.toggle("is-over", seconds === 0);
      node.classList.toggle("is-ending", seconds > 0 && seconds <= 60);
      if (last !== null && voice) {
        if (last > 60 && seconds <= 60 && seconds > 0) voice.textContent = L.timer_minute;
        else if (last > 0 && seconds === 0) voice.textContent = L.timer_over;
      }
      last = seconds;
    }

    function update() {
      last = null; // a new or restored countdown: no announcement for the time already gone
      if (voice) voice.textContent = "";
      tick();
      if (left() !== null && !ticking) ticking = setInterval(tick, 250);
      if (left() === null && ticking) { clearInterval(ticking); ticking = null; }
      if (!ticking) return;
      last = left();
    }

    return { sync: sync, update: update };
  })();

  // Wiring the stream ----------------------------------------------------------------------

  live.on("status", showStatus);
  live.on("hello", (hello) => {
    if (hello.me) { // a socket resumed on its ticket keeps the `me` it has (events update it)
      me = hello.me;
      voted.clear();
      for (const id of me.voted || []) voted.add(id);
      votedGroups.clear();
      for (const id of me.voted_groups || []) votedGroups.add(id);
    }
    timer.sync(hello.limits && hello.limits.now);
    if (!hello.replay) {
      applyState(hello.state);
      renderAll();
    }
    timer.update();
  });
  live.on("event", applyEvent);
  live.on("outbox", renderPending);
  live.on("error", (error) => announce(error.message));
  live.on("signal", (signal) => {
    if (signal.name === "presence") {
      renderPresence(signal.data);
    } else if (signal.name === "editing" && signal.actor && signal.actor.id !== me.id) {
      const id = signal.data.card;
      const previous = editingBy.get(id);
      if (previous) clearTimeout(previous.timer);
      if (signal.data.active) {
        // Forget it if the editor vanishes without saying so.
        const timer = setTimeout(() => { editingBy.delete(id); redrawCard(id); }, 60000);
        editingBy.set(id, { name: signal.actor.name, timer: timer });
      } else {
        editingBy.delete(id);
      }
      if (editingCard !== id) redrawCard(id);
    }
  });

  // Replace the no-JavaScript controls now that the socket will do the work.
  for (const form of columnsEl.querySelectorAll(".card form")) form.remove();
  showStatus("connecting");
  live.start();
  window.faireEnsembleBoard = { live: live, state: state };
})();
