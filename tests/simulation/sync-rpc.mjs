// Synchronous requests from a node process to the simulation's world in the parent: the
// simulation's host functions are synchronous (in-process calls), so a node's http_send
// blocks while the parent's Trakt simulator answers. One worker thread holds a Unix-socket
// connection to the parent and the main thread waits for each answer (Atomics.wait), as
// host-stubs/pg/syncdb.mjs does for PostgreSQL. Lines of JSON each way, one at a time.
import { connect, createServer } from 'node:net';
import { MessageChannel, Worker, isMainThread, receiveMessageOnPort, workerData } from 'node:worker_threads';

/** The parent's side: answers each line with `handler(request)`. @param {string} path @param {(req: any) => any} handler */
export function serveRpc(path, handler) {
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => {
      buf += d;
      for (let i; (i = buf.indexOf('\n')) >= 0;) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let out;
        try { out = { ok: true, value: handler(JSON.parse(line)) }; } catch (e) { out = { ok: false, error: String(/** @type {any} */ (e)?.stack ?? e) }; }
        sock.write(`${JSON.stringify(out)}\n`);
      }
    });
    sock.on('error', () => {}); // a node killed mid-request
  });
  return new Promise((res, rej) => server.once('error', rej).listen(path, () => res(server)));
}

/** The node's side: `call(request)` blocks until the parent answers. */
export class SyncRpc {
  /** @param {string} path the parent's Unix socket */
  constructor(path) {
    this.flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL(import.meta.url), { workerData: { path, port: port2, flag: this.flag }, transferList: [port2] });
    this.worker.unref();
  }

  /** @param {any} req */
  call(req) {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(JSON.stringify(req));
    for (;;) {
      if (Atomics.wait(this.flag, 0, 0, 60_000) === 'timed-out') throw new Error('no answer from the simulation in 60 s');
      const m = receiveMessageOnPort(this.port);
      if (!m) continue;
      const r = JSON.parse(m.message);
      if (!r.ok) throw new Error(`the simulation failed: ${r.error}`);
      return r.value;
    }
  }
}

// The worker: one connection, one request at a time.
if (!isMainThread && workerData?.flag) {
  const { path, port, flag } = workerData;
  const sock = connect(path);
  sock.setEncoding('utf8');
  let buf = '';
  sock.on('data', (d) => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0;) {
      port.postMessage(buf.slice(0, i));
      buf = buf.slice(i + 1);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    }
  });
  port.on('message', (/** @type {string} */ line) => sock.write(`${line}\n`));
}
