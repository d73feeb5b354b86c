/*
 * notifications.js — the bell and the toasts, on every page of a signed-in member.
 *
 * One LiveStream on /ws/notifications/ per tab: a new notification bumps the bell's count
 * and shows a toast (announced politely to screen readers); marking read in one tab updates
 * the count in all of them.
 */
(function () {
  "use strict";

  const bell = document.getElementById("bell");
  const count = document.getElementById("bell-count");
  const toasts = document.getElementById("toasts");
  if (!bell || !count || !toasts || !window.LiveStream) return;
  const labelsNode = document.getElementById("notification-labels");
  const labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};

  function setCount(n) {
    count.textContent = String(n);
    bell.classList.toggle("has-unread", n > 0);
  }

  function toast(notification) {
    const item = document.createElement("div");
    item.className = "toast";
    const title = document.createElement(notification.url ? "a" : "strong");
    title.textContent = notification.title;
    if (notification.url) title.href = notification.url;
    item.append(title);
    if (notification.body) {
      const body = document.createElement("p");
      body.textContent = notification.body;
      item.append(body);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "link-button";
    close.textContent = labels.close || "×";
    close.addEventListener("click", () => item.remove());
    item.append(close);
    toasts.append(item);
    window.setTimeout(() => item.remove(), 12000);
  }

  const live = new window.LiveStream(bell.dataset.ws, { storageKey: "notifications" });
  live.on("hello", (hello) => {
    if (hello.state) setCount(hello.state.unread);
  });
  const chatsCount = document.getElementById("chats-count");
  live.on("signal", (signal) => {
    if (signal.name !== "chat.unread" || !chatsCount) return;
    chatsCount.textContent = String(signal.data.total);
    chatsCount.hidden = signal.data.total === 0;
    for (const badge of document.querySelectorAll('[data-room-unread="' + signal.data.room + '"]')) {
      badge.textContent = String(signal.data.unread);
      badge.hidden = signal.data.unread === 0;
    }
  });
  live.on("event", (event) => {
    if (event.name === "notification.created") {
      setCount(event.data.unread);
      toast(event.data.notification);
    } else if (event.name === "notification.read") {
      setCount(event.data.unread);
    }
  });
  window.faireEnsembleNotifications = { live: live };
  live.start();
})();
