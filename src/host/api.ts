// The typed host API the rest of src/ is written against. Only ./extism.ts implements it
// over the Extism globals; tests implement it in Node. Shapes follow docs/host-contract.md.
import type { MediaItem } from '../schemas/media.js';

import type { ChangeOpName, HostFunctionName, LibraryKindName } from '../contract/host.js';

export type { HostFunctionName };

/** A host function answered `{ error: { code, message } }`, or is not linked. */
export class HostError extends Error {
  constructor(readonly fn: string, readonly code: string, message: string) {
    super(`${fn}: ${code}: ${message}`);
    this.name = 'HostError';
  }
}

/** An http_send request: method, absolute URL, headers, body and timeout. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeout_ms?: number;
}
/** An http_send answer: status, lower-case headers and the body as text. */
export interface HttpResponse { status: number; headers: Record<string, string>; body: string }

/** A kv_get answer: the value (null when absent) and its version (0 when absent). */
export interface KvEntry { value: string | null; version: number }
/** One page of kv_list: keys in byte order, and `next` when more follow. */
export interface KvListPage { keys: string[]; next?: string }

/** A library playlist (revision 3): `created_by` is the plugin that made it. */
export interface Playlist { id: string; name?: string; description?: string; created_by?: string; source?: string }
/**
 * One entry of the user's library state: a play, rating, watchlist entry, file, resume
 * point or favorite (`item`), or a playlist (`playlist` with its `items` in order).
 */
export interface LibraryEntry {
  item: MediaItem; at_ms: number; rating?: number; progress?: number; media?: Record<string, unknown>;
  playlist?: Playlist; items?: MediaItem[];
}
/** Which of the user's library lists a library_query reads (the contract's table). */
export type LibraryKind = LibraryKindName;
/** `changed_since_ms` (revision 2): entries created or changed at or after that host time, whatever their at_ms. */
export interface LibraryQuery { user_id: string; kind: LibraryKind; since_ms?: number; changed_since_ms?: number; removed_since_ms?: number; cursor?: string; limit?: number }
/** What one library_apply change does (the contract's table). */
export type ChangeOp = ChangeOpName;
/** The playlist ops (revision 3): they carry a playlist, not an item. */
export type PlaylistOp = Extract<ChangeOp, `${string}_playlist`>;
/** One library_apply change of an item. `progress` (percent 0..100): set_progress (revision 2). */
export interface Change { op: Exclude<ChangeOp, PlaylistOp>; item: MediaItem; at_ms?: number; rating?: number; progress?: number }
/** One library_apply change of a playlist (revision 3): `items` is the whole new order. */
export interface PlaylistChange { op: PlaylistOp; playlist_id?: string; name?: string; description?: string; source?: string; items?: MediaItem[] }
/** The outcome of one library_apply change: applied, or why not; a playlist's id and the items left out. */
export interface ChangeResult { ok: boolean; error?: 'not_in_library' | 'invalid' | 'not_allowed'; playlist_id?: string; skipped?: number }

/** The severity of a host log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The host's capabilities as typed calls: what every module of the plugin uses instead of Extism globals. */
export interface HostApi {
  /** Which host functions the manifest's permissions granted (and so were linked). */
  readonly granted: readonly string[];
  httpSend(req: HttpRequest): HttpResponse;
  kvGet(key: string): KvEntry;
  /** `ifVersion` 0 means "must not exist"; a mismatch throws HostError code `conflict`. */
  kvSet(key: string, value: string, ifVersion?: number): { version: number };
  kvDelete(key: string, ifVersion?: number): void;
  kvList(prefix: string, after?: string, limit?: number): KvListPage;
  secretGet(key: string): string | null;
  secretSet(key: string, value: string): void;
  secretDelete(key: string): void;
  scheduleSet(name: string, atMs: number, data?: unknown): void;
  scheduleCancel(name: string): void;
  settingsGet(userId?: string): { server: Record<string, unknown>; user: Record<string, unknown> | null };
  clockNow(): number;
  libraryQuery(q: LibraryQuery): { items: LibraryEntry[]; cursor?: string };
  libraryApply(userId: string, changes: Array<Change | PlaylistChange>): ChangeResult[];
  log(level: LogLevel, message: string): void;
  /** A number in [0, 1) for jitter (fakeable: tests and simulations choose it). */
  random(): number;
  /** `bytes` random bytes as hex, from a cryptographic source (OAuth state, PKCE, ids). */
  randomHex(bytes: number): string;
}
