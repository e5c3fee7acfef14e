// An in-memory HostApi for unit tests in Node (never bundled into plugin.wasm: only tests
// import it). It keeps the contract's semantics (docs/host-contract.md): KV versions from
// one counter that never reuses a value, `if_version` conflicts (0 = must not exist),
// kv_list paging in UTF-8 byte order, size limits, one-shot schedules that replace by
// name, a clock the test moves, and http_send routed to a handler. `fail` makes the next
// calls of a host function throw a HostError (conflict, internal, timeout...), and
// `beforeCall` runs a test's code just before a call, to stage races between instances.
import { HOST_FUNCTIONS } from '../contract/host.js';
import { HostError, type Change, type ChangeResult, type HostApi, type HostFunctionName, type HttpRequest, type HttpResponse, type KvEntry, type KvListPage, type LibraryEntry, type LibraryKind, type LibraryQuery, type LogLevel, type PlaylistChange } from './api.js';
import { KIND_OF_OP } from '../contract/host.js';

/** How a FakeHost answers http_send: a test's function of the request. */
export type HttpHandler = (req: HttpRequest, host: FakeHost) => HttpResponse;

const ALL: readonly HostFunctionName[] = HOST_FUNCTIONS;
const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s).length;

/** UTF-8 byte order (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function byteCompare(a: string, b: string): number {
  const x = enc.encode(a), y = enc.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** A FakeHost's starting clock, settings, http handler and granted host functions. */
export interface FakeHostOptions {
  now?: number;
  server?: Record<string, unknown>;
  users?: Record<string, Record<string, unknown>>;
  http?: HttpHandler;
  granted?: HostFunctionName[];
}

/** An in-memory HostApi with the contract's semantics, for unit tests in Node. */
export class FakeHost implements HostApi {
  readonly granted: readonly string[];
  readonly kv = new Map<string, { value: string; version: number }>();
  readonly secrets = new Map<string, string>();
  readonly schedules = new Map<string, { at_ms: number; data?: unknown }>();
  readonly logs: Array<{ level: LogLevel; message: string }> = [];
  readonly requests: HttpRequest[] = [];
  readonly calls: HostFunctionName[] = [];
  readonly library = new Map<string, LibraryEntry[]>();
  server: Record<string, unknown>;
  users: Record<string, Record<string, unknown>>;
  http: HttpHandler;
  now: number;
  /** Runs before every host call (after it is counted): stage another instance's writes here. */
  beforeCall: ((fn: HostFunctionName) => void) | null = null;
  private version = 0;
  private faults: Array<{ fn: HostFunctionName; code: string; count: number; key?: string }> = [];

  constructor(o: FakeHostOptions = {}) {
    this.now = o.now ?? Date.UTC(2026, 10, 1, 12);
    this.server = o.server ?? {};
    this.users = o.users ?? {};
    this.http = o.http ?? (() => { throw new HostError('http_send', 'network', 'no http handler'); });
    this.granted = [...(o.granted ?? ALL)].sort();
  }

  /** The next `count` calls of `fn` (on `key` only, if given) throw HostError `code`. */
  fail(fn: HostFunctionName, code: string, count = 1, key?: string): void {
    this.faults.push({ fn, code, count, ...(key === undefined ? {} : { key }) });
  }

  advance(ms: number): void { this.now += ms; }

  protected enter(fn: HostFunctionName, key?: string): void {
    if (!this.granted.includes(fn)) throw new HostError(fn, 'not_granted', 'the manifest does not grant this host function');
    this.calls.push(fn);
    this.beforeCall?.(fn);
    const f = this.faults.find((x) => x.fn === fn && x.count > 0 && (x.key === undefined || x.key === key));
    if (f) {
      f.count--;
      throw new HostError(fn, f.code, `injected ${f.code}`);
    }
  }

  private checkKey(fn: HostFunctionName, key: string): void {
    if (typeof key !== 'string' || !key || bytes(key) > 256) throw new HostError(fn, 'invalid', 'key must be a non-empty string of at most 256 bytes');
  }

  private checkIfVersion(fn: HostFunctionName, key: string, ifVersion: number | undefined): void {
    if (ifVersion === undefined) return;
    if (!Number.isInteger(ifVersion) || ifVersion < 0) throw new HostError(fn, 'invalid', 'if_version must be an integer >= 0');
    if ((this.kv.get(key)?.version ?? 0) !== ifVersion) throw new HostError(fn, 'conflict', `${key} is not at version ${ifVersion}`);
  }

  httpSend(req: HttpRequest): HttpResponse {
    this.enter('http_send');
    this.requests.push(req);
    const res = this.http(req, this);
    return { status: res.status, headers: Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])), body: res.body ?? '' };
  }

  kvGet(key: string): KvEntry {
    this.enter('kv_get', key);
    this.checkKey('kv_get', key);
    const e = this.kv.get(key);
    return e ? { value: e.value, version: e.version } : { value: null, version: 0 };
  }

  kvSet(key: string, value: string, ifVersion?: number): { version: number } {
    this.enter('kv_set', key);
    this.checkKey('kv_set', key);
    if (typeof value !== 'string' || bytes(value) > 1_048_576) throw new HostError('kv_set', 'invalid', 'value must be a string of at most 1 MiB');
    this.checkIfVersion('kv_set', key, ifVersion);
    const version = ++this.version;
    this.kv.set(key, { value, version });
    return { version };
  }

  kvDelete(key: string, ifVersion?: number): void {
    this.enter('kv_delete', key);
    this.checkKey('kv_delete', key);
    this.checkIfVersion('kv_delete', key, ifVersion);
    if (this.kv.delete(key)) this.version++; // a later re-create never gets an old version
  }

  kvList(prefix: string, after?: string, limit = 100): KvListPage {
    this.enter('kv_list');
    if (typeof prefix !== 'string') throw new HostError('kv_list', 'invalid', 'prefix must be a string');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HostError('kv_list', 'invalid', 'limit must be an integer from 1 to 1000');
    const all = [...this.kv.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || byteCompare(k, after) > 0)).sort(byteCompare);
    const keys = all.slice(0, limit);
    return all.length > limit ? { keys, next: keys[keys.length - 1]! } : { keys };
  }

  secretGet(key: string): string | null {
    this.enter('secret_get', key);
    this.checkKey('secret_get', key);
    return this.secrets.get(key) ?? null;
  }

  secretSet(key: string, value: string): void {
    this.enter('secret_set', key);
    this.checkKey('secret_set', key);
    if (typeof value !== 'string' || bytes(value) > 65_536) throw new HostError('secret_set', 'invalid', 'value must be a string of at most 64 KiB');
    this.secrets.set(key, value);
  }

  secretDelete(key: string): void {
    this.enter('secret_delete', key);
    this.secrets.delete(key);
  }

  scheduleSet(name: string, atMs: number, data?: unknown): void {
    this.enter('schedule_set', name);
    if (typeof name !== 'string' || !name || bytes(name) > 256) throw new HostError('schedule_set', 'invalid', 'name must be a non-empty string of at most 256 bytes');
    if (!Number.isInteger(atMs)) throw new HostError('schedule_set', 'invalid', 'at_ms must be an integer');
    if (!this.schedules.has(name) && this.schedules.size >= 1000) throw new HostError('schedule_set', 'quota', 'at most 1000 pending wake-ups');
    this.schedules.set(name, data === undefined ? { at_ms: atMs } : { at_ms: atMs, data: JSON.parse(JSON.stringify(data)) });
  }

  scheduleCancel(name: string): void {
    this.enter('schedule_cancel', name);
    this.schedules.delete(name);
  }

  settingsGet(userId?: string): { server: Record<string, unknown>; user: Record<string, unknown> | null } {
    this.enter('settings_get');
    return { server: { ...this.server }, user: userId !== undefined && this.users[userId] ? { ...this.users[userId] } : null };
  }

  clockNow(): number {
    this.enter('clock_now');
    return this.now;
  }

  /** Entries of one user and kind (tests fill it directly). */
  libraryOf(userId: string, kind: LibraryKind): LibraryEntry[] {
    const k = `${userId}\u0000${kind}`;
    if (!this.library.has(k)) this.library.set(k, []);
    return this.library.get(k)!;
  }

  libraryQuery(q: LibraryQuery): { items: LibraryEntry[]; cursor?: string } {
    this.enter('library_query');
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HostError('library_query', 'invalid', 'limit must be an integer from 1 to 1000');
    const all = this.libraryOf(q.user_id, q.kind).filter((e) => q.since_ms === undefined || e.at_ms >= q.since_ms);
    const from = q.cursor ? Number(q.cursor) : 0;
    const items = all.slice(from, from + limit);
    return from + limit < all.length ? { items, cursor: String(from + limit) } : { items };
  }

  /** Minimal: adds and removes by exact item JSON; every item is "in the library"; playlists by id. */
  libraryApply(userId: string, changes: Array<Change | PlaylistChange>): ChangeResult[] {
    this.enter('library_apply');
    if (changes.length > 1000) throw new HostError('library_apply', 'invalid', 'changes: at most 1000');
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    return changes.map((c): ChangeResult => {
      const list = this.libraryOf(userId, KIND_OF_OP[c.op]);
      if (!('item' in c)) return this.applyPlaylist(list, c);
      const at = c.at_ms ?? this.now;
      if (c.op === 'add_play') { if (!list.some((e) => same(e.item, c.item) && e.at_ms === at)) list.push({ item: c.item, at_ms: at }); }
      else if (c.op === 'add_watchlist' || c.op === 'add_favorite') { if (!list.some((e) => same(e.item, c.item))) list.push({ item: c.item, at_ms: at }); }
      else if (c.op === 'set_rating') {
        if (typeof c.rating !== 'number') return { ok: false, error: 'invalid' };
        const i = list.findIndex((e) => same(e.item, c.item));
        if (i >= 0) list.splice(i, 1);
        list.push({ item: c.item, at_ms: at, rating: c.rating });
      } else {
        const i = list.findIndex((e) => same(e.item, c.item) && (c.op !== 'remove_play' || c.at_ms === undefined || e.at_ms === c.at_ms));
        if (i >= 0) list.splice(i, 1);
      }
      return { ok: true };
    });
  }

  /** Playlists as entries with `playlist` and `items`; the plugin owns those it created. */
  private applyPlaylist(list: LibraryEntry[], c: PlaylistChange): ChangeResult {
    if (c.op === 'create_playlist') {
      const id = `pl-${list.length + 1}-${this.randomHex(3)}`;
      list.push({ item: undefined as never, at_ms: this.now, playlist: { id, name: c.name ?? '', description: c.description, created_by: 'plugin', source: c.source }, items: [...(c.items ?? [])] });
      return { ok: true, playlist_id: id };
    }
    const i = list.findIndex((e) => e.playlist?.id === c.playlist_id);
    if (i < 0) return { ok: false, error: 'invalid' };
    const e = list[i]!;
    if (e.playlist!.created_by !== 'plugin') return { ok: false, error: 'not_allowed' };
    if (c.op === 'delete_playlist') list.splice(i, 1);
    else list[i] = { ...e, at_ms: this.now, playlist: { ...e.playlist!, ...(c.name !== undefined ? { name: c.name } : {}), ...(c.description !== undefined ? { description: c.description } : {}) }, items: c.items ? [...c.items] : e.items };
    return { ok: true };
  }

  log(level: LogLevel, message: string): void {
    this.logs.push({ level, message });
  }

  /** Seeded (xorshift), so a test's jitter is the same on every run. */
  private seed = 0x9e3779b9;
  random(): number {
    let x = this.seed;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 2 ** 32;
  }

  randomHex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++) out += Math.floor(this.random() * 256).toString(16).padStart(2, '0');
    return out;
  }
}

/** An http handler from `[method, path regex, answer]` routes (path without the origin, query included). */
export function router(routes: Array<[string, RegExp, (req: HttpRequest, m: RegExpMatchArray) => Partial<HttpResponse> & { status: number }]>): HttpHandler {
  return (req) => {
    const path = req.url.replace(/^https:\/\/[^/]+/, '');
    for (const [method, re, answer] of routes) {
      const m = req.method === method ? path.match(re) : null;
      if (m) {
        const r = answer(req, m);
        return { headers: {}, body: '', ...r };
      }
    }
    return { status: 404, headers: {}, body: '' };
  };
}

/** A JSON http answer for a FakeHost handler. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
