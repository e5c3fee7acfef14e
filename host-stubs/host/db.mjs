// The host's SQLite database (better-sqlite3): one file `host.db` in the data folder, or
// an in-memory database when there is none (tests).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  plugin TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  version INTEGER NOT NULL, bytes INTEGER NOT NULL,
  PRIMARY KEY (plugin, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv_meta (
  plugin TEXT PRIMARY KEY, last_version INTEGER NOT NULL, used_bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
  plugin TEXT NOT NULL, scope TEXT NOT NULL, owner TEXT NOT NULL, key TEXT NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (plugin, scope, owner, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (
  plugin TEXT NOT NULL, scope TEXT NOT NULL, owner TEXT NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY (plugin, scope, owner)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS schedules (
  plugin TEXT NOT NULL, name TEXT NOT NULL, at_ms INTEGER NOT NULL, data TEXT,
  seq INTEGER NOT NULL,
  PRIMARY KEY (plugin, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS host_state (
  plugin TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (plugin, name)
) WITHOUT ROWID;
`;

/**
 * @param {string|null|undefined} dataDir folder for `host.db`; null/undefined = in memory
 * @returns {import('better-sqlite3').Database}
 */
export function openDatabase(dataDir) {
  let db;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new Database(join(dataDir, 'host.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  } else {
    db = new Database(':memory:');
  }
  db.exec(SCHEMA);
  return db;
}
