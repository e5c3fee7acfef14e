// The only code that touches the Extism globals (Host, Memory, console): the HostApi over
// the contract's JSON host functions. Everything else in src/ is plain TypeScript.
import type { HostApi, HostFunctionName } from './api.js';
import { HostError } from './api.js';

type RawFn = (offset: I64) => I64;

function callJson(fns: Record<string, RawFn | undefined>, name: HostFunctionName, request: unknown): any {
  const fn = fns[name];
  if (!fn) throw new HostError(name, 'not_granted', 'the manifest does not grant this host function');
  const mem = Memory.fromString(JSON.stringify(request));
  let text: string;
  try {
    const out = fn(mem.offset);
    if (!out) throw new HostError(name, 'no_response', 'the host returned no response');
    const handle = Memory.find(out);
    text = handle.readString();
    handle.free();
  } finally {
    mem.free();
  }
  let res: any;
  try {
    res = JSON.parse(text);
  } catch {
    throw new HostError(name, 'bad_response', 'the host answered with invalid JSON');
  }
  if (res === null || typeof res !== 'object') throw new HostError(name, 'bad_response', 'the host answered with a non-object');
  if (res.error) {
    const code = typeof res.error.code === 'string' ? res.error.code : 'unknown';
    throw new HostError(name, code, String(res.error.message ?? ''));
  }
  return res;
}

/** The HostApi over the Extism host functions the manifest linked (one per call, as the instance lives for one call). */
export function extismHost(): HostApi {
  const fns = Host.getFunctions() as unknown as Record<string, RawFn | undefined>;
  const call = (name: HostFunctionName, req: unknown) => callJson(fns, name, req);
  return {
    granted: Object.keys(fns).sort(),
    httpSend: (req) => call('http_send', req),
    kvGet: (key) => call('kv_get', { key }),
    kvSet: (key, value, ifVersion) => call('kv_set', ifVersion === undefined ? { key, value } : { key, value, if_version: ifVersion }),
    kvDelete: (key, ifVersion) => { call('kv_delete', ifVersion === undefined ? { key } : { key, if_version: ifVersion }); },
    kvList: (prefix, after, limit) => call('kv_list', { prefix, after, limit }),
    secretGet: (key) => call('secret_get', { key }).value ?? null,
    secretSet: (key, value) => { call('secret_set', { key, value }); },
    secretDelete: (key) => { call('secret_delete', { key }); },
    scheduleSet: (name, atMs, data) => { call('schedule_set', { name, at_ms: Math.floor(atMs), data }); },
    scheduleCancel: (name) => { call('schedule_cancel', { name }); },
    settingsGet: (userId) => call('settings_get', userId === undefined ? {} : { user_id: userId }),
    clockNow: () => Number(call('clock_now', {}).now_ms),
    libraryQuery: (q) => call('library_query', q),
    libraryApply: (userId, changes) => call('library_apply', { user_id: userId, changes }).results,
    log: (level, message) => console[level](message),
    random: () => Math.random(),
    randomHex: (bytes) => Crypto.randomHex(bytes),
  };
}
