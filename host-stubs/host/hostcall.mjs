// The one guard every host-function call goes through, in both call modes (a worker per
// call with asynchronous implementations, or the main thread with synchronous ones): it
// refuses calls into a dead instance, kills an instance past its time limit or at its
// crashDuring point, counts the call, turns errors into the contract's envelope, records
// the call and stores the response. It never throws into the plugin except to kill the
// instance on purpose (timeout, crashDuring, close), the SDK's way to end a call.
import { HostError, readRequest } from './errors.mjs';

/**
 * @typedef {{ exportName: string, hostCalls: number, crashAfter?: number, dead: boolean, deadReason?: string,
 *   kill: (reason: string) => void, overTime: () => boolean }} GuardCtx
 */

/** @param {string} name @param {unknown} e */
const envelope = (name, e) => (e instanceof HostError
  ? e.toEnvelope()
  : { error: { code: 'internal', message: `host error in ${name}: ${/** @type {Error} */ (e)?.message ?? e}` } });

/**
 * Wraps one host function's implementation for linking into an instance.
 * @param {{ recordHostCall: (t: any) => void }} host
 * @param {GuardCtx} ctx @param {string} name @param {(req: any) => unknown} impl
 * @param {{ sync: boolean }} mode sync: the main-thread mode, where an asynchronous implementation is an error
 */
export function guardHostFunction(host, ctx, name, impl, { sync }) {
  const enter = () => {
    if (ctx.dead) throw new Error(`instance killed (${ctx.deadReason})`);
    if (ctx.overTime()) { ctx.kill('timeout'); throw new Error('instance killed (timeout)'); }
    if (ctx.crashAfter !== undefined && ctx.hostCalls >= ctx.crashAfter) { ctx.kill('crashed'); throw new Error('host crashed (crashDuring)'); }
    ctx.hostCalls++;
  };
  /** @param {any} cp @param {unknown} request @param {unknown} response */
  const leave = (cp, request, response) => {
    host.recordHostCall({ export: ctx.exportName, fn: name, request, response });
    if (ctx.dead) throw new Error(`instance killed (${ctx.deadReason})`);
    try {
      return cp.store(JSON.stringify(response));
    } catch (e) {
      return cp.store(JSON.stringify({ error: { code: 'internal', message: `cannot store the response: ${/** @type {Error} */ (e).message}` } }));
    }
  };
  if (sync) {
    return (/** @type {any} */ cp, /** @type {bigint} */ offset) => {
      enter();
      let request;
      let response;
      try {
        request = readRequest(cp, offset);
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
      response = await impl(request);
    } catch (e) {
      response = envelope(name, e);
    }
    return leave(cp, request, response);
  };
}
