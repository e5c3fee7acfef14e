// In-process calls for the deterministic simulation (opt-in: RevengeHost option
// `runInWorker: false`). Each call still gets a fresh instance, but on the main thread,
// with synchronous host functions; `http_send` is answered by `options.inProcessHttp`
// (the Trakt simulator's handleRequest) instead of a socket. Nothing here reads a wall
// clock: time is the host's manual clock, which slow answers and hangs move forward, and a
// call whose virtual time passes its limit is killed at its next host call (as crashDuring
// kills after N calls). So the same inputs give the same run, host call for host call.
import createPlugin from '@extism/extism';
import { HostError, callFailure } from './errors.mjs';
import { endStretch, guardHostFunction } from './hostcall.mjs';
import { DEFAULT_HTTP_TIMEOUT_MS, MAX_HTTP_TIMEOUT_MS, hostAllowed } from './http.mjs';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * @typedef {{ status: number, headers: Record<string, string>, body: string, hang?: boolean, delayMs?: number }} InProcessAnswer
 * @typedef {(req: { method: string, url: string, origin: string, path: string, headers: Record<string, string>, body: string|null }) => InProcessAnswer} InProcessHttp
 */

/**
 * http_send answered in process. The checks are the contract's (https, allowedHosts, no
 * credentials, header names and values); a hang costs the request's timeout in virtual
 * time and answers `timeout`; a slow answer costs its delay (and is a timeout past it).
 * @param {any} host @param {any} r
 */
function httpInProcess(host, r) {
  if (typeof r.method !== 'string' || !r.method) throw new HostError('invalid', 'method must be a string');
  if (typeof r.url !== 'string' || !r.url) throw new HostError('invalid', 'url must be a string');
  let url;
  try { url = new URL(r.url); } catch { throw new HostError('invalid', 'url is not an absolute URL'); }
  if (url.protocol !== 'https:') throw new HostError('not_allowed', `only https is allowed (url is ${url.protocol})`);
  if (url.username || url.password) throw new HostError('not_allowed', 'credentials in the url are not allowed');
  if (!hostAllowed(url.hostname, host.manifest?.permissions.http?.allowedHosts ?? [])) throw new HostError('not_allowed', `host "${url.hostname}" is not in permissions.http.allowedHosts`);
  /** @type {Record<string, string>} */
  const headers = {};
  if (r.headers !== undefined && r.headers !== null) {
    if (!isObject(r.headers)) throw new HostError('invalid', 'headers must be an object of name: value strings');
    for (const [k, v] of Object.entries(r.headers)) {
      if (typeof v !== 'string' || /[\r\n\0]/.test(v)) throw new HostError('invalid', `headers.${k} must be a string without CR, LF or NUL`);
      headers[k.toLowerCase()] = v;
    }
  }
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') throw new HostError('invalid', 'body must be a string');
  let timeoutMs = host.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  if (r.timeout_ms !== undefined && r.timeout_ms !== null) {
    if (!Number.isSafeInteger(r.timeout_ms) || r.timeout_ms < 1) throw new HostError('invalid', 'timeout_ms must be a positive integer');
    timeoutMs = Math.min(r.timeout_ms, MAX_HTTP_TIMEOUT_MS);
  }
  const method = r.method.toUpperCase();
  const answer = host.options.inProcessHttp({ method, url: url.href, origin: url.origin, path: `${url.pathname}${url.search}`, headers, body: r.body ?? null });
  const latency = host.options.httpLatencyMs ? host.options.httpLatencyMs(method, url) : 0;
  if (answer.hang || (answer.delayMs ?? 0) + latency >= timeoutMs) {
    host.clock.set(host.clock.now() + timeoutMs);
    throw new HostError('timeout', `no response from ${url.origin} within ${timeoutMs} ms`);
  }
  const spent = (answer.delayMs ?? 0) + latency;
  if (spent > 0) host.clock.set(host.clock.now() + spent);
  return { status: answer.status, headers: answer.headers, body: answer.body };
}

/**
 * Runs one call on a fresh main-thread instance. `rec` is the host's CallRecord; it gets
 * `virtual_ms` (virtual time spent) and `memory_bytes` (the instance's memory at the end,
 * which never shrinks: its peak).
 * @param {any} host the RevengeHost
 * @param {string} exportName @param {string} input
 * @param {{ timeoutMs: number, crashAfterHostCalls?: number, rec: any }} o
 * @returns {Promise<string>}
 */
export async function invokeInProcess(host, exportName, input, { timeoutMs, crashAfterHostCalls, rec }) {
  const started = host.clock.now();
  const wallStart = performance.now();
  /** @type {import('./hostcall.mjs').GuardCtx} */
  const ctx = {
    exportName, hostCalls: 0, crashAfter: crashAfterHostCalls, dead: false,
    kill: (reason) => { if (!ctx.dead) { ctx.dead = true; ctx.deadReason = reason; } },
    overTime: () => host.clock.now() - started > timeoutMs,
  };
  const impls = host.hostFunctionImpls();
  impls.http_send = (r) => httpInProcess(host, r);
  /** @type {Record<string, Function>} */
  const fns = {};
  for (const name of host.linked) fns[name] = guardHostFunction(host, ctx, name, impls[name], { sync: true });
  const logger = Object.fromEntries(['debug', 'info', 'warn', 'error', 'trace'].map((level) => [level, (message) => {
    host.recordLog({ level: level === 'trace' ? 'debug' : level, message: String(message), export: exportName, at_ms: host.clock.now() });
  }]));
  // WASI's entropy and clocks come from the host too when it says so (`randomBytes`):
  // QuickJS seeds Math.random (backoff jitter) from random_get, so a seeded source makes
  // the plugin's own randomness part of the run's seed.
  /** @type {WebAssembly.Memory|null} */
  let memory = null;
  /** @type {Record<string, Record<string, Function>>} */
  const functions = { 'extism:host/user': fns };
  const randomBytes = host.options.randomBytes;
  if (randomBytes) {
    functions.wasi_snapshot_preview1 = {
      random_get: (_cp, buf, len) => {
        if (!memory) return 29; // EIO
        new Uint8Array(memory.buffer, Number(buf), Number(len)).set(randomBytes(Number(len)));
        return 0;
      },
      clock_time_get: (_cp, _id, _precision, out) => {
        if (!memory) return 29;
        new DataView(memory.buffer).setBigUint64(Number(out), BigInt(host.clock.now()) * 1_000_000n, true);
        return 0;
      },
    };
  }
  let plugin;
  try {
    plugin = await createPlugin({ wasm: [{ module: host.module }] }, {
      useWasi: true, runInWorker: false, enableWasiOutput: false,
      logger: /** @type {any} */ (logger), functions: /** @type {any} */ (functions),
    });
    memory = /** @type {any} */ ((await plugin.getInstance()).exports.memory);
    ctx.lastAt = performance.now();
    const out = await plugin.call(exportName, input);
    endStretch(ctx, host);
    if (ctx.overTime()) ctx.kill('timeout');
    if (ctx.dead) throw new Error(ctx.deadReason);
    const text = out ? out.text() : '';
    rec.ok = true;
    rec.output = text;
    return text;
  } catch (e) {
    const dead = ctx.deadReason === 'timeout' || ctx.deadReason === 'crashed' ? ctx.deadReason : undefined;
    const err = callFailure(exportName, dead, e, { export: exportName, hostCalls: ctx.hostCalls }, `${timeoutMs} ms of virtual time`);
    if (!dead) {
      // A wasm trap (unreachable, out-of-bounds, stack exhaustion) is not an error the plugin raised.
      const msg = String(/** @type {any} */ (e)?.message ?? e);
      /** @type {any} */ (err).trap = e instanceof WebAssembly.RuntimeError || /RuntimeError|unreachable|out of bounds/.test(msg);
    }
    rec.error = err;
    throw err;
  } finally {
    rec.hostCalls = ctx.hostCalls;
    rec.max_stretch_ms = Math.round(ctx.maxStretch ?? 0);
    if (ctx.maxStretchAfter) rec.max_stretch_after = ctx.maxStretchAfter;
    rec.work_ms = Math.round(ctx.workMs ?? 0);
    rec.virtual_ms = host.clock.now() - started;
    rec.wall_ms = Math.round(performance.now() - wallStart);
    try {
      const inst = plugin ? await plugin.getInstance() : null;
      const mem = /** @type {any} */ (inst?.exports.memory);
      if (mem) rec.memory_bytes = mem.buffer.byteLength;
    } catch { /* no instance */ }
    await plugin?.close();
  }
}
