// State written by release 0.1.0, read once by the area that now owns it: the history
// merge state as one blob (minutes; now month shards in seconds), the ratings and
// watchlist states under the area's own name (now `<area>/state`). Reading it lazily
// where it is used means an upgrade never depends on plugin_upgraded having run.
import type { HostApi } from '../../host/api.js';
import { deleteKey, listKeys } from '../../state/kv.js';
import { loadBlob } from './blob.js';

/** The 0.1.0 blob at `prefix` (`prefix/head` + `prefix/<gen>/<part>`), or null. */
export function legacyBlob(host: HostApi, prefix: string): string | null {
  return host.kvGet(`${prefix}/head`).value === null ? null : loadBlob(host, prefix);
}

/** Deletes the 0.1.0 blob's keys only (newer keys share the prefix). */
export function dropLegacyBlob(host: HostApi, prefix: string): void {
  for (const k of listKeys(host, `${prefix}/`)) {
    if (k === `${prefix}/head` || /^\d+\/\d+$/.test(k.slice(prefix.length + 1))) deleteKey(host, k);
  }
}
