// The host's stores on PostgreSQL through a synchronous bridge: the SQL stores
// (kv.mjs, secrets.mjs, settings.mjs, scheduler.mjs, host state) were written against
// better-sqlite3's synchronous API, and in-process calls (runInWorker: false) need
// synchronous host functions. So one worker thread holds a PostgreSQL connection and the
// main thread waits for each answer (Atomics.wait). This object offers the part of
// better-sqlite3's API those stores use: prepare().get/all/run, exec, transaction, close.
// Transactions run SERIALIZABLE and are retried on a serialization failure, so a
// read-then-write (if_version, quotas) holds across nodes as it does in one SQLite file.
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

export class PgError extends Error {
  /** @param {string} message @param {string|undefined} code */
  constructor(message, code) {
    super(message);
    this.name = 'PgError';
    this.code = code;
  }
}

/** `?` placeholders (SQLite) to `$n` (PostgreSQL); the host's SQL has no `?` in literals. */
const numbered = (sql) => { let n = 0; return sql.replace(/\?/g, () => `$${++n}`); };

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK = '40P01';

export class SyncPg {
  /** @param {string} url postgres://... */
  constructor(url) {
    this.flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./bridge-worker.mjs', import.meta.url), { workerData: { url, port: port2, flag: this.flag }, transferList: [port2] });
    this.worker.unref();
    this.worker.on('error', () => {});
    this.inTx = false;
    this.open = true;
  }

  /** Runs one statement and waits for its answer. @param {string} sql @param {unknown[]} [params] */
  query(sql, params = []) {
    if (!this.open) throw new Error('the database is closed');
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ sql, params });
    for (;;) {
      if (Atomics.wait(this.flag, 0, 0, 30_000) === 'timed-out') throw new PgError(`no answer from PostgreSQL in 30 s to: ${sql.slice(0, 80)}`, undefined);
      const m = receiveMessageOnPort(this.port);
      if (!m) continue;
      const r = m.message;
      if (r.error) throw new PgError(r.error.message, r.error.code);
      for (const row of r.rows) for (const k of Object.keys(row)) if (row[k] instanceof Uint8Array) row[k] = Buffer.from(row[k]);
      return r;
    }
  }

  /** @param {string} sql */
  prepare(sql) {
    const text = numbered(sql);
    return {
      get: (...p) => this.query(text, p).rows[0],
      all: (...p) => this.query(text, p).rows,
      run: (...p) => ({ changes: this.query(text, p).rowCount }),
    };
  }

  /** @param {string} sql several statements */
  exec(sql) {
    this.query(sql);
  }

  /** better-sqlite3's pragma: nothing to set here. */
  pragma() {}

  /**
   * A function that runs `fn` in one SERIALIZABLE transaction, again from the start when
   * PostgreSQL refuses it for a concurrent one (the other node's write wins; this one re-reads).
   * @template {(...a: any[]) => any} F @param {F} fn @returns {F}
   */
  transaction(fn) {
    return /** @type {any} */ ((...args) => {
      if (this.inTx) return fn(...args); // nested: part of the outer one
      for (let attempt = 0; ; attempt++) {
        this.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        this.inTx = true;
        try {
          const out = fn(...args);
          this.query('COMMIT');
          return out;
        } catch (e) {
          try { this.query('ROLLBACK'); } catch { /* the connection is gone */ }
          const code = /** @type {any} */ (e)?.code;
          if ((code === SERIALIZATION_FAILURE || code === DEADLOCK) && attempt < 50) continue;
          throw e;
        } finally {
          this.inTx = false;
        }
      }
    });
  }

  close() {
    if (!this.open) return;
    this.open = false;
    this.port.close();
    void this.worker.terminate();
  }
}
