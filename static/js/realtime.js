/*
 * realtime.js — a small reconnecting client for the live protocol (docs/protocol.md).
 *
 *   const live = new LiveStream("/ws/boards/42/", {storageKey: "board:42"});
 *   live.on("hello", (hello) => …);   // hello.replay false: hello.state replaces everything
 *   live.on("event", (event) => …);   // persisted changes, strictly in seq order, once each
 *   live.on("ack", (ack, op) => …);   // an op of ours succeeded (status applied or duplicate)
 *   live.on("error", (error, op) => …);  // an op of ours was refused (op null: not ours)
 *   live.on("signal", (signal) => …);
 *   live.on("status", (status, detail) => …);  // connecting, connected, reconnecting,
 *                                              // offline, refused
 *   live.on("outbox", (ops) => …);    // the pending ops changed
 *   live.send("card.create", {column: 3, text: "…"});  // → the op's id
 *   live.start();
 *
 * Ops wait in an outbox (kept in sessionStorage, so a reload does not lose them) until the
 * server acks or refuses them. After a reconnection they are sent again, in order, with the
 * same ids: the server applies an id once and answers a retry with `duplicate`.
 *
 * A global, not a module: it loads with a plain deferred <script> and needs no build step.
 */
(function (global) {
  "use strict";

  const PING_EVERY = 25000; // ms
  const SILENCE_LIMIT = PING_EVERY + 10000; // no frame for this long: the socket is dead
  const BACKOFF_FIRST = 500;
  const BACKOFF_CAP = 15000;
  // Refusals: retrying cannot help (not signed in, forbidden, no such stream).
  const FINAL_CLOSE_CODES = new Set([4401, 4403, 4404]);
  const CLOSE_ABUSE = 4429;

  function newOpId() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") {
      return "o-" + global.crypto.randomUUID();
    }
    // crypto.randomUUID needs a secure context (https or localhost); fall back to random bytes.
    const bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    return "o-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function readStorage(key) {
    try {
      const raw = global.sessionStorage.getItem(key);
      const ops = raw ? JSON.parse(raw) : [];
      return Array.isArray(ops)
        ? ops.filter((op) => op && typeof op.id === "string" && typeof op.op === "string")
        : [];
    } catch (_error) {
      return []; // storage disabled or corrupt: start empty
    }
  }

  function writeStorage(key, ops) {
    try {
      if (ops.length) {
        global.sessionStorage.setItem(key, JSON.stringify(ops));
      } else {
        global.sessionStorage.removeItem(key);
      }
    } catch (_error) {
      // Storage full or disabled: the outbox still lives in memory.
    }
  }

  /* A token bucket like the server's, so that a long outbox is sent without being refused. */
  class Bucket {
    constructor(rate, burst) {
      this.rate = rate;
      this.capacity = burst;
      this.tokens = burst;
      this.stamp = performance.now();
    }

    take() {
      const now = performance.now();
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.stamp) / 1000) * this.rate);
      this.stamp = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - this.tokens) / this.rate) * 1000); // ms until the next token
    }
  }

  class LiveStream {
    /**
     * @param {string} path  the WebSocket path, e.g. "/ws/boards/42/"
     * @param {{storageKey?: string}} options
     */
    constructor(path, options = {}) {
      this.path = path;
      this.storageKey = "live-outbox:" + (options.storageKey || path);
      this.seq = null;
      this.epoch = null;
      this.ticket = null; // the server's resume ticket: resuming on it skips a full check
      this.status = "connecting";
      this.outbox = readStorage(this.storageKey);
      this.limits = {};
      this.listeners = {};
      this.socket = null;
      this.attempt = 0;
      this.retryTimer = null;
      this.pingTimer = null;
      this.flushTimer = null;
      this.lastFrameAt = 0;
      this.quickRetryAt = 0;
      this.ready = false; // hello received on the current socket
      this.helloParts = null; // the parts of a big hello received so far
      this.sent = new Set(); // op ids sent on the current socket
      this.stopped = true;
      this.bucket = new Bucket(9, 25);
      this._online = () => this._onOnline();
      this._offline = () => this._onOffline();
    }

    // Listeners -------------------------------------------------------------------------

    on(name, callback) {
      (this.listeners[name] = this.listeners[name] || []).push(callback);
      return this;
    }

    emit(name, ...args) {
      for (const callback of this.listeners[name] || []) {
        try {
          callback(...args);
        } catch (error) {
          // One failing listener must not stop the stream (nor the other listeners).
          console.error(error);
        }
      }
    }

    // Lifecycle ---------------------------------------------------------------------------

    start() {
      if (!this.stopped) return;
      this.stopped = false;
      global.addEventListener("online", this._online);
      global.addEventListener("offline", this._offline);
      this.pingTimer = global.setInterval(() => this._ping(), PING_EVERY);
      if (global.navigator.onLine === false) {
        this._setStatus("offline");
      } else {
        this._connect();
      }
    }

    stop() {
      this.stopped = true;
      global.removeEventListener("online", this._online);
      global.removeEventListener("offline", this._offline);
      global.clearInterval(this.pingTimer);
      global.clearTimeout(this.retryTimer);
      global.clearTimeout(this.flushTimer);
      this._dropSocket(1000);
    }

    /** Close the socket and connect again right away, resuming from the last seq. */
    reconnect() {
      this._dropSocket(4000);
      this.attempt = 0;
      this._connect();
    }

    // Sending -----------------------------------------------------------------------------

    /** Queue an op; it is sent now if connected, else as soon as the socket is back. */
    send(op, data) {
      const entry = { id: newOpId(), op: op, data: data || {} };
      this.outbox.push(entry);
      this._saveOutbox();
      this._flush();
      return entry.id;
    }

    /** Send an ephemeral signal; dropped when not connected (losing one is harmless). */
    signal(name, data) {
      if (this.ready) {
        this._write({ op: name, data: data || {} });
      }
    }

    pending() {
      return this.outbox.slice();
    }

    // Connection --------------------------------------------------------------------------

    _url() {
      const scheme = global.location.protocol === "https:" ? "wss:" : "ws:";
      // The page's language travels with the socket: messages come back in it, whatever
      // the browser sends as Accept-Language on a WebSocket handshake.
      const query = new URLSearchParams();
      const lang = global.document && global.document.documentElement.lang;
      if (lang) query.set("lang", lang);
      if (this.seq !== null && this.epoch) {
        query.set("since", String(this.seq));
        query.set("epoch", this.epoch);
        if (this.ticket) query.set("ticket", this.ticket);
      }
      const search = query.toString();
      return scheme + "//" + global.location.host + this.path + (search ? "?" + search : "");
    }

    _connect() {
      if (this.stopped || this.socket) return;
      global.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this._setStatus(this.seq === null && this.attempt === 0 ? "connecting" : "reconnecting");
      let socket;
      try {
        socket = new WebSocket(this._url());
      } catch (_error) {
        this._scheduleRetry();
        return;
      }
      this.socket = socket;
      this.ready = false;
      this.helloParts = null;
      this.sent = new Set();
      this.lastFrameAt = Date.now();
      socket.addEventListener("message", (message) => {
        if (socket === this.socket) this._receive(message.data);
      });
      socket.addEventListener("close", (close) => {
        if (socket === this.socket) this._closed(close.code);
      });
    }

    _dropSocket(code) {
      const socket = this.socket;
      this.socket = null;
      this.ready = false;
      if (socket && socket.readyState <= WebSocket.OPEN) {
        try {
          socket.close(code);
        } catch (_error) {
          // already closing
        }
      }
    }

    _closed(code) {
      this.socket = null;
      this.ready = false;
      if (this.stopped) return;
      if (FINAL_CLOSE_CODES.has(code)) {
        this.stopped = true;
        global.clearInterval(this.pingTimer);
        this._setStatus("refused", { code: code });
        return;
      }
      if (global.navigator.onLine === false) {
        this._setStatus("offline");
        return;
      }
      // 4008: we fell behind and resume at once (once in a while); anything else backs off.
      if (code === 4008 && Date.now() - this.quickRetryAt > 5000) {
        this.quickRetryAt = Date.now();
        this._connect();
      } else {
        this._scheduleRetry(code === CLOSE_ABUSE ? BACKOFF_CAP : 0);
      }
    }

    _scheduleRetry(atLeast = 0) {
      if (this.stopped || this.retryTimer !== null) return;
      const ceiling = Math.min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** this.attempt);
      // Full jitter: clients that dropped together (a server restart) spread their returns over
      // the whole window instead of coming back in waves.
      const delay = Math.max(atLeast, Math.random() * ceiling);
      this.attempt += 1;
      this._setStatus("reconnecting", { delay: delay });
      this.retryTimer = global.setTimeout(() => {
        this.retryTimer = null;
        this._connect();
      }, delay);
    }

    _onOnline() {
      if (this.stopped) return;
      this.attempt = 0;
      global.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this._connect();
    }

    _onOffline() {
      if (this.stopped) return;
      global.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this._dropSocket(4000);
      this._setStatus("offline");
    }

    _ping() {
      if (!this.socket) return;
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT) {
        this.reconnect(); // half-open connection: nothing came back, not even a pong
        return;
      }
      if (this.ready) this._write({ op: "ping" });
    }

    _setStatus(status, detail = {}) {
      const changed = status !== this.status;
      this.status = status;
      if (changed || status === "reconnecting") this.emit("status", status, detail);
    }

    _write(frame) {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
      this.socket.send(JSON.stringify(frame));
      return true;
    }

    /** Send the ops of the outbox not yet sent on this socket, in order, within the rate. */
    _flush() {
      if (!this.ready) return;
      for (const entry of this.outbox) {
        if (this.sent.has(entry.id)) continue;
        const wait = this.bucket.take();
        if (wait > 0) {
          global.clearTimeout(this.flushTimer);
          this.flushTimer = global.setTimeout(() => this._flush(), wait);
          return;
        }
        if (!this._write({ op: entry.op, id: entry.id, data: entry.data })) return;
        this.sent.add(entry.id);
      }
    }

    _saveOutbox() {
      writeStorage(this.storageKey, this.outbox);
      this.emit("outbox", this.pending());
    }

    _takeOp(id) {
      const index = this.outbox.findIndex((entry) => entry.id === id);
      if (index === -1) return null;
      const [entry] = this.outbox.splice(index, 1);
      this.sent.delete(id);
      this._saveOutbox();
      return entry;
    }

    // Receiving ---------------------------------------------------------------------------

    _receive(text) {
      this.lastFrameAt = Date.now();
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch (_error) {
        return;
      }
      // Under load the server sends the frames that piled up as one array, in order.
      for (const frame of Array.isArray(parsed) ? parsed : [parsed]) {
        this._receiveFrame(frame);
      }
    }

    _receiveFrame(frame) {
      if (!frame || typeof frame !== "object") return undefined;
      switch (frame.type) {
        case "hello":
          return this._hello(frame);
        case "hello.part":
          return this._helloPart(frame);
        case "event":
          return this._event(frame);
        case "ack":
          return this._ack(frame);
        case "error":
          return this._error(frame);
        case "signal":
          return this.emit("signal", frame);
        case "ticket":
          this.ticket = typeof frame.ticket === "string" ? frame.ticket : null;
          return undefined;
        default:
          return undefined; // pong, or something newer than this client
      }
    }

    _hello(hello) {
      const resumed = hello.replay === true && this.seq !== null && hello.epoch === this.epoch;
      this.epoch = hello.epoch;
      this.ticket = typeof hello.ticket === "string" ? hello.ticket : null;
      this.limits = hello.limits || {};
      if (this.limits.ops_per_second && this.limits.ops_burst) {
        // A little under the server's limits: our clock and its clock do not tick together.
        this.bucket = new Bucket(this.limits.ops_per_second * 0.9, this.limits.ops_burst - 2);
      }
      if (!resumed) {
        this.seq = hello.seq;
      }
      this.ready = true;
      this.attempt = 0;
      this._setStatus("connected");
      this.emit("hello", hello);
      // On a resume the replayed events follow: seq stays where we were until they are in.
      this._flush();
    }

    _helloPart(part) {
      // A hello too big for one message (a board of thousands of cards) comes in parts, in
      // order, before anything else: their texts joined are the hello.
      if (part.part === 0) this.helloParts = [];
      const parts = this.helloParts;
      if (!parts || part.part !== parts.length || typeof part.data !== "string") {
        this.helloParts = null;
        this.reconnect(); // a part missing or out of order: start again
        return;
      }
      parts.push(part.data);
      if (parts.length < part.parts) return;
      this.helloParts = null;
      let hello;
      try {
        hello = JSON.parse(parts.join(""));
      } catch (_error) {
        this.reconnect();
        return;
      }
      if (hello && hello.type === "hello") this._hello(hello);
    }

    _event(event) {
      if (this.seq === null || typeof event.seq !== "number") return;
      if (event.seq <= this.seq) return; // already applied
      if (event.seq !== this.seq + 1) {
        // A hole: something was lost. Resume from what we hold; the server replays the rest.
        this.reconnect();
        return;
      }
      this.seq = event.seq;
      this.emit("event", event);
    }

    _ack(ack) {
      const entry = this._takeOp(ack.id);
      if (entry) this.emit("ack", ack, entry);
    }

    _error(error) {
      if (error.code === "rate_limited" && error.id && this.sent.has(error.id)) {
        // Not refused on its merits: send it again a little later, in order.
        this.sent = new Set(
          this.outbox.slice(0, this.outbox.findIndex((e) => e.id === error.id)).map((e) => e.id),
        );
        global.clearTimeout(this.flushTimer);
        this.flushTimer = global.setTimeout(() => this._flush(), 1000);
        return;
      }
      const entry = error.id ? this._takeOp(error.id) : null;
      this.emit("error", error, entry);
    }
  }

  LiveStream.newOpId = newOpId;
  global.LiveStream = LiveStream;
})(window);
