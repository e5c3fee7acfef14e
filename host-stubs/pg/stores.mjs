// The stub host on PostgreSQL (`--db postgres://...`): the schema, the wake-up store whose
// rows are claimed with a lease, the library shared by nodes, and the per-user advisory
// lock that keeps "calls for one user run one at a time" across nodes.
import pg from 'pg';
import { ScheduleStore } from '../host/scheduler.mjs';
import { SyncPg } from './syncdb.mjs';

const SCHEMA = `
SELECT pg_advisory_lock(7318);
CREATE TABLE IF NOT EXISTS kv (
  plugin TEXT NOT NULL, key TEXT COLLATE "C" NOT NULL, value TEXT NOT NULL,
  version BIGINT NOT NULL, bytes BIGINT NOT NULL,
  PRIMARY KEY (plugin, key)
);
CREATE TABLE IF NOT EXISTS kv_meta (plugin TEXT PRIMARY KEY, last_version BIGINT NOT NULL, used_bytes BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (
  plugin TEXT NOT NULL, scope TEXT NOT NULL, owner TEXT NOT NULL, key TEXT COLLATE "C" NOT NULL, blob BYTEA NOT NULL,
  PRIMARY KEY (plugin, scope, owner, key)
);
CREATE TABLE IF NOT EXISTS settings (plugin TEXT NOT NULL, scope TEXT NOT NULL, owner TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (plugin, scope, owner));
CREATE TABLE IF NOT EXISTS schedules (
  plugin TEXT NOT NULL, name TEXT COLLATE "C" NOT NULL, at_ms BIGINT NOT NULL, data TEXT, seq BIGINT NOT NULL,
  lease_until BIGINT, owner TEXT,
  PRIMARY KEY (plugin, name)
);
CREATE SEQUENCE IF NOT EXISTS schedule_seq;
CREATE TABLE IF NOT EXISTS host_state (plugin TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (plugin, name));
CREATE TABLE IF NOT EXISTS library_doc (id INT PRIMARY KEY, version BIGINT NOT NULL, doc TEXT NOT NULL);
SELECT pg_advisory_unlock(7318);
`;

/** How long a claimed wake-up stays with its node: past the 30 s call limit, then it is free again. */
export const WAKEUP_LEASE_MS = 60_000;

/** @param {string} url */
export const isPostgresUrl = (url) => typeof url === 'string' && /^postgres(ql)?:\/\//.test(url);

/** Opens the synchronous connection of one host and creates the tables once. @param {string} url */
export function openPostgres(url) {
  const db = new SyncPg(url);
  db.exec(SCHEMA);
  return db;
}

/**
 * Wake-ups as rows claimed with FOR UPDATE SKIP LOCKED and a lease: a node runs a wake-up
 * only after claiming it; a node that dies mid-call leaves the row, claimable again once
 * the lease is over. Sequence numbers come from one database sequence (all nodes).
 */
export class PgScheduleStore extends ScheduleStore {
  /** @param {SyncPg} db @param {string} plugin @param {string} node */
  constructor(db, plugin, node) {
    super(/** @type {any} */ (db), plugin);
    this.node = node;
    this.q.put = db.prepare(`INSERT INTO schedules (plugin, name, at_ms, data, seq) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(plugin, name) DO UPDATE SET at_ms = excluded.at_ms, data = excluded.data, seq = excluded.seq, lease_until = NULL, owner = NULL`);
    this.q.nextFree = db.prepare('SELECT name, at_ms, data, seq FROM schedules WHERE plugin = ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY at_ms, seq LIMIT 1');
    this.q.claim = db.prepare(`UPDATE schedules SET lease_until = ?, owner = ? WHERE (plugin, name) IN (
      SELECT plugin, name FROM schedules WHERE plugin = ? AND name = ? AND seq = ? AND (lease_until IS NULL OR lease_until <= ?)
      FOR UPDATE SKIP LOCKED) RETURNING seq`);
    this.q.seq = db.prepare("SELECT nextval('schedule_seq') AS s");
  }

  nextSeq() {
    return this.q.seq.get().s;
  }

  /** The earliest wake-up no node holds. @param {number} [now] */
  next(now = Date.now()) {
    const r = this.q.nextFree.get(this.plugin, now);
    return r ? ScheduleStore.row(r) : null;
  }

  /** Takes the wake-up for this node until `now + lease`; false when another node has it or it changed. */
  claim(w, now) {
    return this.q.claim.all(now + WAKEUP_LEASE_MS, this.node, this.plugin, w.name, w.seq, now).length === 1;
  }
}

/**
 * The library's persistence in PostgreSQL: one document with a version. `load` and `save`
 * run inside the library host function's transaction, so two nodes' changes never overwrite
 * each other (the later one re-reads and applies again).
 * @param {SyncPg} db
 */
export function pgLibraryStore(db) {
  const get = db.prepare('SELECT version, doc FROM library_doc WHERE id = 1');
  const version = db.prepare('SELECT version FROM library_doc WHERE id = 1');
  const put = db.prepare(`INSERT INTO library_doc (id, version, doc) VALUES (1, 1, ?)
    ON CONFLICT (id) DO UPDATE SET version = library_doc.version + 1, doc = excluded.doc RETURNING version`);
  return {
    version: () => version.get()?.version ?? 0,
    /** @returns {{ version: number, doc: any } | null} */
    load: () => { const r = get.get(); return r ? { version: r.version, doc: JSON.parse(r.doc) } : null; },
    /** @param {any} doc @returns {number} the new version */
    save: (doc) => put.get(JSON.stringify(doc)).version,
  };
}

/**
 * Calls for one user one at a time across nodes: a session-level advisory lock on a pooled
 * connection, held for the whole call. A node that dies drops its connection, and
 * PostgreSQL releases the lock with it.
 * @param {string} url
 */
export function userLocks(url) {
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  pool.on('error', () => {}); // a dropped idle connection: the pool makes another
  return {
    pool,
    /** @template T @param {string} key @param {() => Promise<T>} fn @returns {Promise<T>} */
    async run(key, fn) {
      const c = await pool.connect();
      c.on('error', () => {});
      try {
        await c.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
        try {
          return await fn();
        } finally {
          await c.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => {});
        }
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
}
