// The one resumable, budgeted read primitive: every paged read of a sync (Trakt lists and
// the library) keeps its cursor in the job, moves it only past a page it has handed over,
// and is saved at each checkpoint. Reading a page again after a crash is harmless: what
// the areas learn from a page is idempotent.
import type { LibraryEntry, LibraryQuery } from '../../host/api.js';
import type { Budget, CallStop } from './run.js';

/** Trakt cuts a larger `limit` silently to its maximum (250 in 2026): ask for more and follow the headers. */
export const ASK_LIMIT = 1000;

/**
 * Where a read over one or more Trakt lists is: list `i`, next `page`; `got` items of list
 * `i` so far and the item count Trakt announced for it on its first page (`want`), so the
 * list is known complete before anything is planned from it; `restarts` of this read.
 */
export interface TraktCursor { i: number; page: number; done: boolean; got?: number; want?: number | null; restarts?: number }
/** A cursor at the start of a Trakt read. */
export const traktCursor = (): TraktCursor => ({ i: 0, page: 1, done: false });

/** A read whose lists keep changing under it is left to a later call this many times in a row. */
const MAX_RESTARTS = 3;

/** One step of a Trakt read: a page, a restart, the end, or a stop (budget or a failed request). */
export type PageResult<T> =
  | { kind: 'page'; entries: T[]; list: number; total: number | null }
  /** The list changed while it was read (its count moved): drop what this read gathered; the cursor is at the start again. */
  | { kind: 'restart' }
  | { kind: 'done' }
  | { kind: 'stop'; stop: CallStop };

/** A pagination header as a count (null when absent or not a count). */
export const header = (h: Record<string, string>, name: string): number | null => {
  const n = parseInt(h[name] ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : null;
};

/** An answer we cannot read is a transient failure, never an empty or a last page. */
export const unreadable = (message: string): { kind: 'stop'; stop: CallStop } =>
  ({ kind: 'stop', stop: { ok: false, f: { kind: 'unavailable', message, sent: 'no' } } });

/**
 * The next page of a read over `paths` in turn (e.g. movies, then episodes), `query`
 * added to each request. Follows X-Pagination-Page-Count, not the asked limit. A page
 * that is not a JSON array or lacks the pagination headers is a failure to retry; a list
 * whose items do not add up to the count Trakt announced (it changed while it was read)
 * is read again from the start.
 */
export function traktPage<T = any>(run: Budget, paths: readonly string[], cur: TraktCursor, query = ''): PageResult<T> {
  if (cur.done || cur.i >= paths.length) {
    cur.done = true;
    return { kind: 'done' };
  }
  const list = cur.i;
  const r = run.call<T[]>('GET', `${paths[list]}?page=${cur.page}&limit=${ASK_LIMIT}${query ? `&${query}` : ''}`, undefined, { expect: 'array' });
  if (!r.ok) return { kind: 'stop', stop: r };
  if (!Array.isArray(r.body)) return unreadable(`Trakt answered ${paths[list]} with something that is not a list`);
  const entries = r.body;
  const pages = header(r.headers, 'x-pagination-page-count');
  const items = header(r.headers, 'x-pagination-item-count');
  const limit = header(r.headers, 'x-pagination-limit');
  if (pages === null || items === null || limit === null) return unreadable(`Trakt answered ${paths[list]} without its pagination headers`);
  if (cur.page === 1) { cur.want = items; cur.got = 0; }
  const last = cur.page >= pages;
  const got = (cur.got ?? 0) + entries.length;
  if (items !== cur.want || entries.length > limit || (!last && entries.length !== limit) || (last && got !== cur.want)) {
    cur.restarts = (cur.restarts ?? 0) + 1;
    const restarts = cur.restarts;
    Object.assign(cur, traktCursor(), { restarts, got: 0, want: null });
    if (restarts > MAX_RESTARTS) {
      cur.restarts = 0;
      return unreadable(`Trakt's ${paths[list]} kept changing while it was read`);
    }
    return { kind: 'restart' };
  }
  cur.got = got;
  if (last) {
    cur.i++;
    cur.page = 1;
    if (cur.i >= paths.length) cur.done = true;
  } else cur.page++;
  return { kind: 'page', entries, list, total: items };
}

/** Leaves the rest of the current list unread (a read that has what it needs of it). */
export function skipList(cur: TraktCursor, lists: number): void {
  Object.assign(cur, { i: cur.i + 1, page: 1, got: 0, want: null, done: cur.i + 1 >= lists });
}

/** Where a library read is: the host's cursor for the next page. */
export interface LibraryCursor { cursor: string | null; done: boolean }
/** A cursor at the start of a library read. */
export const libraryCursor = (): LibraryCursor => ({ cursor: null, done: false });

export const LIBRARY_PAGE = 1000;

/** The next page of a library read; moves the cursor past it and counts one unit of work. */
export function libraryPage(run: Budget, q: Omit<LibraryQuery, 'user_id' | 'cursor' | 'limit'>, cur: LibraryCursor): { kind: 'page'; entries: LibraryEntry[] } | { kind: 'done' } {
  if (cur.done) return { kind: 'done' };
  run.spend();
  const page = run.host.libraryQuery({ user_id: run.userId, ...q, limit: LIBRARY_PAGE, ...(cur.cursor ? { cursor: cur.cursor } : {}) });
  cur.cursor = page.cursor ?? null;
  if (!page.cursor) cur.done = true;
  return { kind: 'page', entries: page.items ?? [] };
}
