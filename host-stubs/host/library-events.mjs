// on_library delivery (contract revision 3, section 6.1): the changes a scan makes to the
// library become events of at most 1,000 changes, kept in the host's state until a call
// of on_library answers (at least once: a failed or killed call leaves the event, with
// the same event_id, for the next delivery). Delivered when the test or the clock says
// (RevengeHost#flushLibraryEvents, every advance, the real-time loop), never in the
// middle of another step, so the manual clock stays deterministic.
import { randomUUID } from 'node:crypto';
import { PluginCallError } from './errors.mjs';

/** The contract's limit on one on_library call. */
export const MAX_LIBRARY_CHANGES = 1000;
const STATE_NAME = 'library_events';

/**
 * @typedef {import('./library/events.mjs').LibraryChange} LibraryChange
 * @typedef {{ event_id: string, changes: LibraryChange[] }} LibraryEvent
 * @typedef {{ event_id: string, changes: number, ok: boolean, output?: any, error?: PluginCallError }} LibraryDelivery
 */

export class LibraryEventQueue {
  /**
   * @param {{ wanted: () => boolean, load: () => string|null, save: (v: string|null) => void,
   *   deliver: (event: LibraryEvent) => Promise<any>, newId?: () => string }} io
   *   `wanted`: whether the running plugin lists hook `library`; `load`/`save`: the
   *   pending events in the host's durable state; `deliver`: one on_library call
   */
  constructor(io) {
    this.io = io;
    /** @type {LibraryEvent[]} */
    this.pending = JSON.parse(io.load() ?? '[]');
    /** @type {LibraryDelivery[]} every delivery tried, in order (tests) */
    this.deliveries = [];
  }

  /** Queues a scan's changes for the plugin (none when it does not list hook `library`). @param {LibraryChange[]} changes */
  push(changes) {
    if (!this.io.wanted()) return;
    for (let i = 0; i < changes.length; i += MAX_LIBRARY_CHANGES) {
      this.pending.push({ event_id: (this.io.newId ?? randomUUID)(), changes: changes.slice(i, i + MAX_LIBRARY_CHANGES) });
    }
    this.#save();
  }

  /**
   * Delivers the pending events in order; stops at the first that fails (it stays, and
   * comes again at the next flush). @returns {Promise<LibraryDelivery[]>}
   */
  async flush() {
    /** @type {LibraryDelivery[]} */
    const out = [];
    while (this.pending.length && this.io.wanted()) {
      const ev = this.pending[0];
      /** @type {LibraryDelivery} */
      const d = { event_id: ev.event_id, changes: ev.changes.length, ok: false };
      try {
        d.output = await this.io.deliver(ev);
        d.ok = true;
      } catch (e) {
        if (!(e instanceof PluginCallError)) throw e;
        d.error = e;
      }
      out.push(d);
      this.deliveries.push(d);
      if (!d.ok) break;
      this.pending.shift();
      this.#save();
    }
    return out;
  }

  #save() {
    this.io.save(this.pending.length ? JSON.stringify(this.pending) : null);
  }
}
