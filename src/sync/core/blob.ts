// Large values (merge state) over several KV keys: the host caps a value at 1 MiB.
// A new generation's parts are written first, then the small head that points at them,
// then the old parts go: a crash at any point leaves the previous or the new value whole.
import { HostError, type HostApi } from '../../host/api.js';
import { deleteKey, listKeys, readJson, writeJson } from '../../state/kv.js';
import { compressJson, decompressJson } from '../../codec/compress.js';

/** Base64 text (what compressJson writes) is ASCII: one byte per character. */
const PART = 900_000;

/** `paged`: each part is a text of its own (saveBlobPages); else the parts join into one. */
interface Head { gen: number | string; parts: number; bytes: number; paged?: true }

/** Reads a value saved over several KV keys; null when none was saved. */
export function loadBlob(host: HostApi, prefix: string): string | null {
  const head = readJson<Head>(host, `${prefix}/head`).value;
  if (!head) return null;
  if (head.paged) throw new Error(`${prefix}: saved page by page; read it with loadBlobPages`);
  const parts: string[] = [];
  for (let i = 0; i < head.parts; i++) parts.push(part(host, prefix, head, i));
  return parts.join('');
}

/**
 * A value as its pages, each read from KV only when the caller takes it (so decoding one
 * page and reading the next alternate): saveBlobPages' pages, or saveBlob's one text as a
 * single page. Null when none was saved.
 */
export function loadBlobPages(host: HostApi, prefix: string): Iterable<string> | null {
  const head = readJson<Head>(host, `${prefix}/head`).value;
  if (!head) return null;
  if (!head.paged) return [loadBlob(host, prefix)!];
  return (function* pages() {
    for (let i = 0; i < head.parts; i++) yield part(host, prefix, head, i);
  })();
}

function part(host: HostApi, prefix: string, head: Head, i: number): string {
  const v = host.kvGet(`${prefix}/${head.gen}/${i}`).value;
  if (v === null) throw new Error(`${prefix}: part ${i} of generation ${head.gen} is missing`);
  return v;
}

/** Saves `text`; returns its size in bytes. */
export function saveBlob(host: HostApi, prefix: string, text: string): number {
  const n = Math.max(1, Math.ceil(text.length / PART));
  return saveGeneration(host, prefix, Array.from({ length: n }, (_, i) => text.slice(i * PART, (i + 1) * PART)), false);
}

/**
 * Saves a value as pages, each a text of its own written as soon as it is made (so making
 * one page and writing it alternate: no step encodes the whole value). Returns its size.
 */
export function saveBlobPages(host: HostApi, prefix: string, pages: Iterable<string>): number {
  return saveGeneration(host, prefix, pages, true);
}

function saveGeneration(host: HostApi, prefix: string, parts: Iterable<string>, paged: boolean): number {
  const cur = readJson<Head>(host, `${prefix}/head`);
  // Two calls saving at once must not write the same part keys: the loser deletes its own.
  const gen = `${(parseInt(String(cur.value?.gen ?? 0), 10) || 0) + 1}-${host.randomHex(3)}`;
  let n = 0, bytes = 0;
  for (const text of parts) {
    if (text.length > PART) throw new Error(`${prefix}: a page of ${text.length} bytes is over ${PART}`);
    host.kvSet(`${prefix}/${gen}/${n++}`, text);
    bytes += text.length;
  }
  const head: Head = { gen, parts: n, bytes, ...(paged ? { paged: true as const } : {}) };
  if (!writeJson(host, `${prefix}/head`, head, cur.version)) {
    // Someone else saved meanwhile: theirs stands, ours goes.
    for (let i = 0; i < n; i++) deleteKey(host, `${prefix}/${gen}/${i}`);
    throw new Error(`${prefix}: saved concurrently by another call`);
  }
  for (const k of listKeys(host, `${prefix}/`)) {
    if (k !== `${prefix}/head` && !k.startsWith(`${prefix}/${gen}/`)) deleteKey(host, k);
  }
  return bytes;
}

/** Deletes every key under a blob's or list's prefix. */
export function deleteBlob(host: HostApi, prefix: string): void {
  for (const k of listKeys(host, `${prefix}/`)) deleteKey(host, k);
}

/**
 * A long list (a sync plan) in pages of its own keys, so a step reads only the page it
 * works on instead of decoding the whole plan on every wake-up.
 */
export const LIST_PAGE = 1000;

/**
 * Writes a page of a list. Lists live for one sync, so a page is plain JSON: QuickJS
 * prints and parses JSON natively, while deflate, base64 and UTF-8 run as interpreted
 * code and cost several times as much (the bench: half the plugin time of a first sync).
 * A page too large for comfort, or one the KV quota refuses, is compressed.
 */
function setListPage(host: HostApi, key: string, items: readonly unknown[]): void {
  const text = JSON.stringify(items);
  if (text.length <= PLAIN_MAX) {
    try {
      host.kvSet(key, text);
      return;
    } catch (e) {
      if (!(e instanceof HostError && e.code === 'quota')) throw e;
    }
  }
  host.kvSet(key, compressJson(items, 1));
}
const PLAIN_MAX = 256 * 1024;

/** Saves a list in pages of its own keys, replacing what was there. */
export function saveList(host: HostApi, prefix: string, items: readonly unknown[]): void {
  deleteBlob(host, prefix);
  for (let p = 0; p * LIST_PAGE < items.length; p++) setListPage(host, `${prefix}/${p}`, items.slice(p * LIST_PAGE, (p + 1) * LIST_PAGE));
}

/** Items [from, to) of a list saved with saveList. */
export function readList<T>(host: HostApi, prefix: string, from: number, to: number): T[] {
  const out: T[] = [];
  for (let p = Math.floor(from / LIST_PAGE); p * LIST_PAGE < to; p++) {
    const v = host.kvGet(`${prefix}/${p}`).value;
    if (v === null) throw new Error(`${prefix}: page ${p} is missing`);
    const page = decompressJson<T[]>(v, `${prefix}/${p}`);
    const base = p * LIST_PAGE;
    for (let i = Math.max(from, base); i < Math.min(to, base + page.length); i++) out.push(page[i - base]!);
  }
  return out;
}

/**
 * Appends to a list saved page by page (saveList's layout) that holds `total` items, and
 * returns the new total. Only the last page is rewritten; re-appending after a crash
 * from the same `total` gives the same pages.
 */
export function appendList(host: HostApi, prefix: string, total: number, items: readonly unknown[]): number {
  if (!items.length) return total;
  let p = Math.floor(total / LIST_PAGE);
  let page: unknown[] = total % LIST_PAGE ? readList<unknown>(host, prefix, p * LIST_PAGE, total) : [];
  let i = 0;
  while (i < items.length) {
    const room = LIST_PAGE - page.length;
    page = page.concat(items.slice(i, i + room));
    i += room;
    setListPage(host, `${prefix}/${p}`, page);
    if (page.length === LIST_PAGE) { p++; page = []; }
  }
  return total + items.length;
}
