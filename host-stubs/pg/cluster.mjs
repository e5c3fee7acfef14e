// A throwaway PostgreSQL cluster for tests, benches and the two-node simulation: initdb in
// a temp folder, a server on a free loopback port, trust auth for one user, removed at
// exit. As root (CI), the server runs as the `postgres` user (initdb refuses root).
// `REVENGE_TEST_PG` (a URL, e.g. exported by install-pg.sh) is used instead when set.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest installed server's bin folder (Debian: /usr/lib/postgresql/<v>/bin), or null. */
export function pgBinDir() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const v = readdirSync(root).filter((d) => existsSync(join(root, d, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))[0];
  return v ? join(root, v, 'bin') : null;
}

/** @returns {Promise<number>} a free loopback port */
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const a = /** @type {any} */ (s.address()); s.close(() => res(a.port)); });
    s.on('error', rej);
  });
}

/**
 * Starts a cluster; returns its URL and a stop function (also run at process exit).
 * @returns {Promise<{ url: string, stop: () => void }>}
 */
export async function startCluster() {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run host-stubs/pg/install-pg.sh');
  const dir = mkdtempSync(join(tmpdir(), 'revenge-pg-'));
  chmodSync(dir, 0o755);
  const root = process.getuid?.() === 0;
  const as = (/** @type {string} */ cmd, /** @type {string[]} */ args) => {
    const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { encoding: 'utf8' }) : spawnSync(join(bin, cmd), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  if (root) execFileSync('chown', ['postgres:postgres', dir]);
  const data = join(dir, 'data');
  as('initdb', ['-D', data, '-U', 'revenge', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try { as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  return { url: `postgres://revenge@127.0.0.1:${port}/postgres`, stop };
}

/**
 * The PostgreSQL URL tests use: REVENGE_TEST_PG, else a cluster started here. Null (with a
 * loud message) when PostgreSQL is missing, except under CI=true, where that is a failure.
 * @returns {Promise<{ url: string, stop: () => void } | null>}
 */
export async function testCluster() {
  if (process.env.REVENGE_TEST_PG) return { url: process.env.REVENGE_TEST_PG, stop: () => {} };
  try {
    return await startCluster();
  } catch (e) {
    if (process.env.CI === 'true') throw e;
    console.warn(`\n!!!!!!!! PostgreSQL tests SKIPPED: ${/** @type {Error} */ (e).message} !!!!!!!!\n`);
    return null;
  }
}

/** A fresh database on the cluster for one test (nodes of one test share it). @param {string} url @param {string} name */
export async function freshDatabase(url, name) {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.href;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `node host-stubs/pg/cluster.mjs`: start one and print its URL (it stays until killed).
  const { url } = await startCluster();
  process.removeAllListeners('exit');
  console.log(url);
}
