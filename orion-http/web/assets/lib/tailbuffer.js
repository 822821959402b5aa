// The live tail's buffer. Lines arrive into an inbox (cheap, from the
// WebSocket handler) and are moved by `flush()` once per animation frame.
// While paused (the reader scrolled up) the visible lines stay still and
// new ones wait in `pending`, counted for the "N new lines" button; both
// lists are capped so a firehose never grows memory. Pure.

export class TailBuffer {
  constructor({ cap = 5000 } = {}) {
    this.cap = cap;
    this.lines = [];
    this.pending = [];
    this.inbox = [];
    this.paused = false;
    this.newCount = 0; // lines that arrived while paused
    this.trimmed = 0; // lines dropped here to keep the cap
    this.lagged = 0; // lines the server dropped (`lagged` messages)
    this.seq = 0;
    this.version = 0;
  }

  /** Queues one line (wrapped as `{seq, item}`) for the next flush. */
  enqueue(item) {
    this.seq += 1;
    this.inbox.push({ seq: this.seq, item });
    if (this.inbox.length > this.cap) {
      const over = this.inbox.length - this.cap;
      this.inbox.splice(0, over);
      this.trimmed += over;
      if (this.paused) this.newCount += over;
    }
  }

  /** Records a server `lagged` message. */
  noteLagged(dropped) {
    const n = Number(dropped) || 0;
    this.lagged += n;
    this.version += 1;
    return this.lagged;
  }

  /** Moves the inbox into view (or into `pending` when paused); true if anything changed. */
  flush() {
    if (this.inbox.length === 0) return false;
    const batch = this.inbox;
    this.inbox = [];
    if (this.paused) {
      this.newCount += batch.length;
      this.pending = this._cap(this.pending.concat(batch));
    } else {
      this.lines = this._cap(this.lines.concat(batch));
    }
    this.version += 1;
    return true;
  }

  _cap(list) {
    if (list.length <= this.cap) return list;
    const over = list.length - this.cap;
    this.trimmed += over;
    return list.slice(over);
  }

  /** Freezes the visible lines. */
  pause() {
    if (this.paused) return;
    this.paused = true;
    this.version += 1;
  }

  /** Shows what arrived while paused, and follows again. */
  resume() {
    this.flushInboxIntoPending();
    this.paused = false;
    this.lines = this._cap(this.lines.concat(this.pending));
    this.pending = [];
    this.newCount = 0;
    this.version += 1;
  }

  flushInboxIntoPending() {
    if (this.inbox.length && this.paused) {
      this.newCount += this.inbox.length;
      this.pending = this._cap(this.pending.concat(this.inbox));
      this.inbox = [];
    }
  }

  /** Forgets every line (the counters of server drops too). */
  clear() {
    this.lines = [];
    this.pending = [];
    this.inbox = [];
    this.newCount = 0;
    this.trimmed = 0;
    this.lagged = 0;
    this.version += 1;
  }
}
