// One-shot wake-ups (schedule_set / schedule_cancel), persisted per plugin, and the
// host's clock (manual in tests, real time in the demo).
import { HostError } from './errors.mjs';
import { checkString } from './kv.mjs';

export const MAX_SCHEDULE_NAME_BYTES = 256;
export const MAX_SCHEDULE_DATA_BYTES = 64 * 1024;
export const MAX_SCHEDULES = 1000;
/** 2025-01-01T00:00:00Z: the manual clock's default start, so tests are reproducible. */
export const DEFAULT_START_MS = Date.UTC(2025, 0, 1);

/** The host's one clock: `clock_now`, wake-ups and interval ticks all read it. */
export class HostClock {
  /** @param {number} [startMs] */
  constructor(startMs = DEFAULT_START_MS) {
    /** @type {'manual'|'real'} */
    this.mode = 'manual';
    this.manualNow = startMs;
  }

  /** @returns {number} ms since the epoch */
  now() {
    return this.mode === 'real' ? Date.now() : this.manualNow;
  }

  /** Moves the manual clock (never backwards). @param {number} ms */
  set(ms) {
    if (this.mode !== 'manual') throw new Error('the clock runs in real time; it cannot be set');
    if (!Number.isSafeInteger(ms)) throw new Error('clock.set needs an integer ms');
    if (ms > this.manualNow) this.manualNow = ms;
  }
}

/**
 * @typedef {{ name: string, at_ms: number, data?: unknown, seq: number }} Wakeup
 */
export class ScheduleStore {
  /** @param {import('better-sqlite3').Database} db @param {string} plugin */
  constructor(db, plugin) {
    this.plugin = plugin;
    this.q = {
      put: db.prepare(`INSERT INTO schedules (plugin, name, at_ms, data, seq) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(plugin, name) DO UPDATE SET at_ms = excluded.at_ms, data = excluded.data, seq = excluded.seq`),
      get: db.prepare('SELECT name, at_ms, data, seq FROM schedules WHERE plugin = ? AND name = ?'),
      del: db.prepare('DELETE FROM schedules WHERE plugin = ? AND name = ?'),
      delSeq: db.prepare('DELETE FROM schedules WHERE plugin = ? AND name = ? AND seq = ?'),
      count: db.prepare('SELECT count(*) AS n FROM schedules WHERE plugin = ?'),
      maxSeq: db.prepare('SELECT max(seq) AS s FROM schedules WHERE plugin = ?'),
      next: db.prepare('SELECT name, at_ms, data, seq FROM schedules WHERE plugin = ? ORDER BY at_ms, seq LIMIT 1'),
      all: db.prepare('SELECT name, at_ms, data, seq FROM schedules WHERE plugin = ? ORDER BY at_ms, seq'),
    };
    this.seq = this.q.maxSeq.get(plugin).s ?? 0;
  }

  /** @returns {Wakeup} */
  static row(r) {
    const w = { name: r.name, at_ms: r.at_ms, seq: r.seq };
    if (r.data !== null) w.data = JSON.parse(r.data);
    return w;
  }

  /** schedule_set: the same name replaces the earlier wake-up. */
  set(name, atMs, data) {
    checkString(name, 'name', { maxBytes: MAX_SCHEDULE_NAME_BYTES });
    if (!Number.isSafeInteger(atMs)) throw new HostError('invalid', 'at_ms must be an integer (ms since the epoch)');
    const json = data === undefined ? null : JSON.stringify(data);
    if (json !== null && Buffer.byteLength(json) > MAX_SCHEDULE_DATA_BYTES) throw new HostError('invalid', `data is over the ${MAX_SCHEDULE_DATA_BYTES}-byte limit`);
    if (!this.q.get.get(this.plugin, name) && this.q.count.get(this.plugin).n >= MAX_SCHEDULES) {
      throw new HostError('quota', `a plugin may have at most ${MAX_SCHEDULES} pending wake-ups`);
    }
    this.q.put.run(this.plugin, name, atMs, json, this.nextSeq());
    return {};
  }

  /** The next sequence number (the PostgreSQL store takes it from a database sequence). */
  nextSeq() {
    return ++this.seq;
  }

  cancel(name) {
    checkString(name, 'name', { maxBytes: MAX_SCHEDULE_NAME_BYTES });
    this.q.del.run(this.plugin, name);
    return {};
  }

  /** Removes the wake-up only if it was not replaced since (same seq). @param {Wakeup} w */
  done(w) {
    this.q.delSeq.run(this.plugin, w.name, w.seq);
  }

  /** @returns {Wakeup|null} the earliest pending wake-up */
  next() {
    const r = this.q.next.get(this.plugin);
    return r ? ScheduleStore.row(r) : null;
  }

  /** @returns {Wakeup[]} */
  list() {
    return this.q.all.all(this.plugin).map(ScheduleStore.row);
  }
}
