// The worker behind syncdb.mjs: one PostgreSQL connection (the `pg` driver), answering the
// main thread's queries one at a time. Each answer is posted on the port, then the shared
// flag is set and notified, so the main thread (blocked in Atomics.wait) takes it with
// receiveMessageOnPort: synchronous queries for the host's synchronous stores.
import { workerData } from 'node:worker_threads';
import pg from 'pg';

pg.types.setTypeParser(20, (v) => Number(v)); // int8: versions, times and counts fit in a double

const { url, port, flag } = workerData;
const client = new pg.Client({ connectionString: url });
client.on('error', () => {}); // the server went away: the next query answers with the error
const ready = client.connect().then(() => null, (e) => e);
const done = () => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };

port.on('message', async (/** @type {{ sql: string, params?: unknown[] }} */ m) => {
  const err = await ready;
  if (err) { port.postMessage({ error: { message: err.message, code: err.code } }); done(); return; }
  try {
    const params = (m.params ?? []).map((p) => (p instanceof Uint8Array ? Buffer.from(p) : p));
    const r = await client.query(m.sql, params);
    port.postMessage({ rows: r.rows ?? [], rowCount: r.rowCount ?? 0 });
  } catch (e) {
    port.postMessage({ error: { message: /** @type {any} */ (e).message, code: /** @type {any} */ (e).code } });
  }
  done();
});
port.on('close', () => { client.end().catch(() => {}); });
