// JSON values in the host KV with optimistic concurrency. Instances for different users,
// and ticks, run concurrently: every read-modify-write goes through `update`, which
// retries on `conflict` with the fresh value.
import type { HostApi } from '../host/api.js';
import { HostError } from '../host/api.js';
import { compressJson, decompressJson } from '../codec/compress.js';

/** A JSON value read from KV with the version to write it back against. */
export interface Versioned<T> { value: T | null; version: number }

/** Reads a JSON value from KV; an unreadable value reads as absent. */
export function readJson<T>(host: HostApi, key: string): Versioned<T> {
  const r = host.kvGet(key);
  if (r.value === null) return { value: null, version: r.version };
  return { value: decompressJson<T>(r.value, key), version: r.version };
}

/** Writes if the key is still at `ifVersion` (0: must not exist): the new version, or 0 on conflict. */
export function writeJson(host: HostApi, key: string, value: unknown, ifVersion?: number, compress = false): number {
  try {
    return host.kvSet(key, compress ? compressJson(value) : JSON.stringify(value), ifVersion).version;
  } catch (e) {
    if (e instanceof HostError && e.code === 'conflict') return 0;
    throw e;
  }
}

/** Deletes a key (only at that version when given); false on a version conflict. */
export function deleteKey(host: HostApi, key: string, ifVersion?: number): boolean {
  try {
    host.kvDelete(key, ifVersion);
    return true;
  } catch (e) {
    if (e instanceof HostError && e.code === 'conflict') return false;
    throw e;
  }
}

/**
 * Read-modify-write with retries. `fn` gets the current value (null if absent) and
 * returns the new value, or `undefined` to leave it, or `null` to delete it.
 */
export function update<T>(host: HostApi, key: string, fn: (cur: T | null) => T | null | undefined, compress = false): T | null {
  for (let attempt = 0; attempt < 8; attempt++) {
    const cur = readJson<T>(host, key);
    const next = fn(cur.value);
    if (next === undefined) return cur.value;
    const ok = next === null
      ? (cur.version === 0 ? true : deleteKey(host, key, cur.version))
      : writeJson(host, key, next, cur.version, compress);
    if (ok) return next;
  }
  throw new Error(`${key}: too many concurrent updates`);
}

/** All keys under a prefix, in byte order. */
export function listKeys(host: HostApi, prefix: string, max = 100_000): string[] {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = host.kvList(prefix, after, 1000);
    out.push(...page.keys);
    if (!page.next || out.length >= max) return out;
    after = page.next;
  }
}
