// A list read is known complete before anything is planned from it (issue 19, finding 0):
// a 200 whose body is not a list, a page without its pagination headers, or a list whose
// items do not add up to the count Trakt announced is never an empty or a last page.
import { describe, expect, it } from 'vitest';
import { json } from '../../host/fake.js';
import type { HttpResponse } from '../../host/api.js';
import { connectedWorld } from '../../trakt/trakt.test-util.js';
import { parseUserSettings } from '../../settings/settings.js';
import { startJob } from './runner.js';
import { Run } from './run.js';
import { traktCursor, traktPage } from './paging.js';

const page = (items: unknown[], p: number, pages: number, count: number, limit = 2): HttpResponse =>
  json(200, items, { 'x-pagination-page': String(p), 'x-pagination-limit': String(limit), 'x-pagination-page-count': String(pages), 'x-pagination-item-count': String(count) });
const html = (): HttpResponse => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><title>Access denied | api.trakt.tv used Cloudflare to restrict access</title>' });

function world() {
  const w = connectedWorld();
  const { job } = startJob(w.host, w.userId, parseUserSettings({}));
  const run = new Run(w.host, w.client, w.userId, job);
  return { ...w, run };
}

const read = (run: Run, cur = traktCursor()) => ({ cur, next: () => traktPage(run, ['/sync/ratings/movies'], cur) });

describe('traktPage: an answer we cannot read is a failure to retry, never data', () => {
  it('a 200 with an HTML page stops the read without moving the cursor', () => {
    const { run, trakt } = world();
    trakt.answer('GET /sync/ratings/movies', html());
    const r = read(run);
    const out = r.next();
    expect(out.kind).toBe('stop');
    expect(out.kind === 'stop' && out.stop.f?.kind).toBe('unavailable');
    expect(r.cur).toMatchObject({ i: 0, page: 1, done: false });
  });

  it('JSON cut short stops the read', () => {
    const { run, trakt } = world();
    trakt.answer('GET /sync/ratings/movies', { status: 200, headers: page([], 1, 1, 0).headers, body: '[{"rating":8,"movie":{"ids":{"trakt":1' });
    expect(read(run).next().kind).toBe('stop');
  });

  it('a page without pagination headers stops the read', () => {
    const { run, trakt } = world();
    trakt.answer('GET /sync/ratings/movies', json(200, [{ rating: 8 }]));
    expect(read(run).next().kind).toBe('stop');
  });

  it('a list that changes while it is read (its count moves) is read again from the start', () => {
    const { run, trakt } = world();
    trakt.answer('GET /sync/ratings/movies', page([{ a: 1 }, { a: 2 }], 1, 2, 4), page([{ a: 3 }], 2, 2, 3));
    const r = read(run);
    expect(r.next().kind).toBe('page');
    expect(r.next().kind).toBe('restart');
    expect(r.cur).toMatchObject({ i: 0, page: 1, done: false });
  });

  it('a last page short of the announced count is not the end; a list that keeps changing is left to a retry', () => {
    const { run, trakt } = world();
    for (let i = 0; i < 4; i++) trakt.answer('GET /sync/ratings/movies', page([{ a: 1 }], 1, 1, 2));
    const r = read(run);
    expect([r.next().kind, r.next().kind, r.next().kind, r.next().kind]).toEqual(['restart', 'restart', 'restart', 'stop']);
  });

  it('a complete list is handed over page by page, then done', () => {
    const { run, trakt } = world();
    trakt.answer('GET /sync/ratings/movies', page([{ a: 1 }, { a: 2 }], 1, 2, 3), page([{ a: 3 }], 2, 2, 3));
    const r = read(run);
    const kinds = [r.next(), r.next(), r.next()].map((x) => (x.kind === 'page' ? `page:${x.entries.length}` : x.kind));
    expect(kinds).toEqual(['page:2', 'page:1', 'done']);
  });
});

