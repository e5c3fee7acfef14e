// The one guard every host-function call goes through, in both call modes (a worker per
// call with asynchronous implementations, or the main thread with synchronous ones): it
// refuses calls into a dead instance, kills an instance past its time limit or at its
// crashDuring point, counts the call, turns errors into the contract's envelope, records
// the call and stores the response. It never throws into the plugin except to kill the
// instance on purpose (timeout, crashDuring, close), the SDK's way to end a call.
import { HostError, readRequest } from './errors.mjs';

/**
 * @typedef {{ exportName: string, hostCalls: number, crashAfter?: number, dead: boolean, deadReason?: string,
 *   kill: (reason: string) => void, overTime: () => boolean, lastAt?: number, maxStretch?: number,
 *   lastCall?: string, maxStretchAfter?: string, workMs?: number }} GuardCtx
 *   workMs: the plugin's own work in the call so far (every stretch; the call's wall time less its host calls)
 *   lastAt/maxStretch: wall time when the plugin last got control back, and the longest
 *   stretch of plugin work between two host calls (a budget is only checked at host calls,
 *   so this is what a slower CPU or runtime multiplies)
 */

/** @typedef {{ clock: { mode: string, now(): number, set(ms: number): void }, options: { cpuClockScale?: number, cpuMsPerKb?: number } }} CpuHost */

/**
 * A slow CPU on the manual clock: the clock moves by the plugin's own work, so budgets read
 * from it meet that work, not only Trakt's answer times. `cpuClockScale` measures the work
 * (wall time between host calls, times the scale); `cpuMsPerKb`, the simulation's
 * deterministic model, charges each host call by the size of what it carries.
 * @param {CpuHost} host @param {number} ms
 */
function chargeCpu(host, ms) {
  if (ms > 0 && host.clock.mode === 'manual') host.clock.set(host.clock.now() + Math.round(ms));
}

/**
 * Ends a stretch of plugin work (at a host call, or at the end of the call), charges it to
 * the clock under `cpuClockScale`, and returns its length.
 * @param {GuardCtx} ctx @param {CpuHost} host
 */
export function endStretch(ctx, host) {
  if (ctx.lastAt === undefined) return 0;
  const ms = performance.now() - ctx.lastAt;
  if (ms > (ctx.maxStretch ?? 0)) { ctx.maxStretch = ms; ctx.maxStretchAfter = ctx.lastCall ?? 'the start of the call'; }
  ctx.workMs = (ctx.workMs ?? 0) + ms;
  ctx.lastAt = undefined;
  chargeCpu(host, ms * (host.options.cpuClockScale ?? 0));
  return ms;
}

/** A host call in a few words, for the record of where the longest stretch began. @param {string} name @param {any} req */
const brief = (name, req) => `${name} ${req?.key ?? req?.kind ?? req?.url?.replace(/^https?:\/\/[^/]+/, '') ?? ''}`.trim();

/** @param {string} name @param {unknown} e */
const envelope = (name, e) => (e instanceof HostError
  ? e.toEnvelope()
  : { error: { code: 'internal', message: `host error in ${name}: ${/** @type {Error} */ (e)?.message ?? e}` } });

/**
 * Wraps one host function's implementation for linking into an instance.
 * @param {{ recordHostCall: (t: any) => void } & CpuHost} host
 * @param {GuardCtx} ctx @param {string} name @param {(req: any) => unknown} impl
 * @param {{ sync: boolean }} mode sync: the main-thread mode, where an asynchronous implementation is an error
 */
export function guardHostFunction(host, ctx, name, impl, { sync }) {
  let before = 0;
  const enter = () => {
    before = endStretch(ctx, host);
    if (ctx.dead) throw new Error(`instance killed (${ctx.deadReason})`);
    if (ctx.overTime()) { ctx.kill('timeout'); throw new Error('instance killed (timeout)'); }
    if (ctx.crashAfter !== undefined && ctx.hostCalls >= ctx.crashAfter) { ctx.kill('crashed'); throw new Error('host crashed (crashDuring)'); }
    ctx.hostCalls++;
  };
  /** @param {any} cp @param {unknown} request @param {unknown} response */
  const leave = (cp, request, response) => {
    host.recordHostCall({ export: ctx.exportName, fn: name, request, response, after_ms: Math.round(before) });
    const text = JSON.stringify(response);
    const perKb = host.options.cpuMsPerKb;
    if (perKb) chargeCpu(host, (((JSON.stringify(request) ?? '').length + text.length) / 1024) * perKb);
    if (ctx.dead) throw new Error(`instance killed (${ctx.deadReason})`);
    try {
      return cp.store(text);
    } catch (e) {
      return cp.store(JSON.stringify({ error: { code: 'internal', message: `cannot store the response: ${/** @type {Error} */ (e).message}` } }));
    } finally {
      ctx.lastAt = performance.now();
    }
  };
  if (sync) {
    return (/** @type {any} */ cp, /** @type {bigint} */ offset) => {
      enter();
      let request;
      let response;
      try {
        request = readRequest(cp, offset);
        ctx.lastCall = brief(name, request);
        response = impl(request);
        if (response instanceof Promise) throw new Error(`${name} is asynchronous; the in-process host needs a synchronous implementation`);
      } catch (e) {
        response = envelope(name, e);
      }
      return leave(cp, request, response);
    };
  }
  return async (/** @type {any} */ cp, /** @type {bigint} */ offset) => {
    enter();
    let request;
    let response;
    try {
      request = readRequest(cp, offset);
      ctx.lastCall = brief(name, request);
      response = await impl(request);
    } catch (e) {
      response = envelope(name, e);
    }
    return leave(cp, request, response);
  };
}
