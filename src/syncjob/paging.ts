// The one resumable, budgeted read primitive: every paged read of a sync (Trakt lists and
// the library) keeps its cursor in the job, moves it only past a page it has handed over,
// and is saved at each checkpoint. Reading a page again after a crash is harmless: what
// the areas learn from a page is idempotent.
import type { LibraryEntry, LibraryQuery } from '../host/api.js';
import type { CallStop, Run } from './run.js';

/** Trakt cuts a larger `limit` silently to its maximum (250 in 2026): ask for more and follow the headers. */
export const ASK_LIMIT = 1000;

/** Where a read over one or more Trakt lists is: list `i`, next `page`. */
export interface TraktCursor { i: number; page: number; done: boolean }
export const traktCursor = (): TraktCursor => ({ i: 0, page: 1, done: false });

export type PageResult<T> =
  | { kind: 'page'; entries: T[]; list: number; total: number | null }
  | { kind: 'done' }
  | { kind: 'stop'; stop: CallStop };

const header = (h: Record<string, string>, name: string) => {
  const n = parseInt(h[name] ?? '', 10);
  return Number.isFinite(n) ? n : null;
};

/**
 * The next page of a read over `paths` in turn (e.g. movies, then episodes), `query`
 * added to each request. Follows X-Pagination-Page-Count, not the asked limit.
 */
export function traktPage<T = any>(run: Run, paths: readonly string[], cur: TraktCursor, query = ''): PageResult<T> {
  if (cur.done || cur.i >= paths.length) {
    cur.done = true;
    return { kind: 'done' };
  }
  const list = cur.i;
  const r = run.call<T[]>('GET', `${paths[list]}?page=${cur.page}&limit=${ASK_LIMIT}${query ? `&${query}` : ''}`, undefined, { expect: 'array' });
  if (!r.ok) return { kind: 'stop', stop: r };
  const entries = Array.isArray(r.body) ? r.body : [];
  const pages = header(r.headers, 'x-pagination-page-count');
  const last = pages !== null ? cur.page >= pages : entries.length === 0;
  if (last) {
    cur.i++;
    cur.page = 1;
    if (cur.i >= paths.length) cur.done = true;
  } else cur.page++;
  return { kind: 'page', entries, list, total: header(r.headers, 'x-pagination-item-count') };
}

/** Where a library read is: the host's cursor for the next page. */
export interface LibraryCursor { cursor: string | null; done: boolean }
export const libraryCursor = (): LibraryCursor => ({ cursor: null, done: false });

export const LIBRARY_PAGE = 1000;

export function libraryPage(run: Run, q: Omit<LibraryQuery, 'user_id' | 'cursor' | 'limit'>, cur: LibraryCursor): { kind: 'page'; entries: LibraryEntry[] } | { kind: 'done' } {
  if (cur.done) return { kind: 'done' };
  run.spend();
  const page = run.host.libraryQuery({ user_id: run.userId, ...q, limit: LIBRARY_PAGE, ...(cur.cursor ? { cursor: cur.cursor } : {}) });
  cur.cursor = page.cursor ?? null;
  if (!page.cursor) cur.done = true;
  return { kind: 'page', entries: page.items ?? [] };
}
