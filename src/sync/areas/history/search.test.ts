// The count-guided search for plays another app added on Trakt with older times (issue 19,
// finding 1), in Node against the Trakt simulator: found by counts of time ranges, read
// only where a count moved, whatever Trakt answers on the way.
import { describe, expect, it } from 'vitest';
import { CLIENT, DAY, HOUR, START, makeWorld, movieItem, movieRef, type World } from '../../../host/world.test-util.js';
import { loadJob } from '../../../status/describe.js';
import type { HttpRequest, HttpResponse } from '../../../host/api.js';
import { syncNowImpl } from '../../../hooks/sync.js';
// @ts-ignore: plain ESM with JSDoc types
import { handleRequest } from '../../../../host-stubs/trakt-sim/server.mjs';

const PLAYS = 1_200;
/** Plays are this far apart (1.2 a day), going round the three movies: one movie's are 2.5 days apart. */
const STEP = Math.floor((1_000 * DAY) / 1_200);
const t0 = (plays: number) => START - plays * STEP - DAY;
const T0 = t0(PLAYS);
/** A time of movie 0 more than a day from each of its plays. */
const gap = (k: number, plays = PLAYS) => t0(plays) + Math.round((3 * k + 1.5) * STEP) + 17_000;

/** A world whose Trakt has `plays` plays (1,200: over 1,000 days), synced once (import). */
function world(plays = PLAYS): World {
  const w = makeWorld({ userSettings: { sync_history: 'import', sync_ratings: 'off', sync_watchlist: 'off' } });
  w.sim.seedHistory('alice', Array.from({ length: plays }, (_, i) => ({ ...movieRef(i % 3), watched_at: t0(plays) + i * STEP })));
  expect(w.sync().error).toBeUndefined();
  expect(w.lib.state('alice').history).toHaveLength(plays);
  w.host.advance(HOUR);
  return w;
}

const reads = (w: World, from: number) => w.sim.requests.slice(from).filter((r: any) => r.method === 'GET' && r.path.startsWith('/sync/history'));
const libPlays = (w: World, i: number) => w.lib.state('alice').history.filter((e) => e.item.ids.tmdb === movieItem(i).ids.tmdb).map((e) => e.at_ms!).sort((a, b) => a - b);

/** Answers the n-th GET of /sync/history from now with `broken` instead (in front of the simulator); `before` runs first. */
function breakNth(w: World, n: number, broken: ((real: () => HttpResponse) => HttpResponse) | null, before?: () => void) {
  const real = w.host.http;
  let seen = 0;
  w.host.http = (req: HttpRequest, h) => {
    if (req.method === 'GET' && new URL(req.url).pathname === '/sync/history' && ++seen === n) {
      before?.();
      if (broken) return broken(() => real(req, h));
    }
    return real(req, h);
  };
}

/** The user removes Trakt plays (by history id) on trakt.tv. */
function removeOnTrakt(w: World, ids: number[]) {
  const token = w.sim.tokensOf('alice').find((t: any) => t.status === 'active').access_token;
  const r = handleRequest(w.sim, {
    method: 'POST', url: 'https://api.trakt.tv/sync/history/remove', body: JSON.stringify({ ids }),
    headers: { 'content-type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': CLIENT.client_id, authorization: `Bearer ${token}`, 'user-agent': 'test' },
  });
  expect(r.status).toBe(200);
}

/** A sync after `change`; the requests it made. */
function syncAfter(w: World, change: () => void) {
  change();
  const from = w.sim.requests.length;
  const last = w.sync();
  expect(last.error).toBeUndefined();
  return { last, from, gets: reads(w, from) };
}

describe('back-dated Trakt plays: the count-guided search', () => {
  it('finds one back-dated play by counts and reads only its range: no full read, no duplicate', () => {
    const w = world();
    const at = gap(100);
    const { gets } = syncAfter(w, () => w.sim.seedHistory('alice', [{ ...movieRef(0), watched_at: at }]));
    expect(libPlays(w, 0)).toContain(at);
    expect(w.lib.state('alice').history).toHaveLength(PLAYS + 1);
    // The window, the total, the halvings (limit=1), one range read that holds the play.
    const probes = gets.filter((r: any) => r.query.limit === '1');
    const ranges = gets.filter((r: any) => r.query.limit !== '1' && r.query.end_at);
    expect(gets.some((r: any) => r.path !== '/sync/history')).toBe(false);
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.length).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(PLAYS / 250)) + 1);
    expect(ranges).toHaveLength(1);
    expect(Date.parse(ranges[0].query.start_at)).toBeLessThanOrEqual(at);
    expect(Date.parse(ranges[0].query.end_at)).toBeGreaterThanOrEqual(at);
    // The counts were taken in: a later fresh play costs the window and the total only.
    w.host.advance(HOUR);
    const next = syncAfter(w, () => w.sim.seedHistory('alice', [{ ...movieRef(1), watched_at: w.host.now - 10 * 60_000 }]));
    expect(next.gets.map((r: any) => r.query.limit)).toEqual(['1000', '1']);
  });

  it('finds several back-dated plays, one range read each', () => {
    const plays = 6_000;
    const w = world(plays);
    const ats = [gap(50, plays), gap(750, plays), gap(1_950, plays)];
    const { gets } = syncAfter(w, () => w.sim.seedHistory('alice', ats.map((at) => ({ ...movieRef(0), watched_at: at }))));
    for (const at of ats) expect(libPlays(w, 0)).toContain(at);
    expect(w.lib.state('alice').history).toHaveLength(plays + ats.length);
    expect(gets.some((r: any) => r.path !== '/sync/history')).toBe(false);
    expect(gets.filter((r: any) => r.query.limit !== '1').length).toBeLessThanOrEqual(1 + ats.length);
    expect(gets.length).toBeLessThan(2 + ats.length * (Math.ceil(Math.log2(plays / 250)) + 2));
  });

  it('so many changes that a full read is cheaper: Trakt is read in full, once', () => {
    const w = world();
    const ats = Array.from({ length: 12 }, (_, k) => gap(10 + 30 * k));
    const { gets } = syncAfter(w, () => w.sim.seedHistory('alice', ats.map((at) => ({ ...movieRef(0), watched_at: at }))));
    for (const at of ats) expect(libPlays(w, 0)).toContain(at);
    expect(gets.filter((r: any) => r.query.limit === '1')).toHaveLength(1); // the total only
    expect(gets.filter((r: any) => r.path === '/sync/history/movies').length).toBe(Math.ceil((PLAYS + ats.length) / 250));
  });

  it('a play removed on trakt.tv: its range is read once, the library keeps the play, and the counts agree again', () => {
    const w = world();
    const removed = w.sim.history('alice').find((h: any) => Math.abs(Date.parse(h.watched_at) - (T0 + 750 * STEP)) < 1_000);
    const { gets } = syncAfter(w, () => removeOnTrakt(w, [removed.id]));
    expect(w.lib.state('alice').history).toHaveLength(PLAYS);
    expect(gets.filter((r: any) => r.query.limit !== '1')).toHaveLength(2); // the window and the range
    w.host.advance(HOUR);
    const next = syncAfter(w, () => w.sim.seedHistory('alice', [{ ...movieRef(1), watched_at: w.host.now - 10 * 60_000 }]));
    expect(next.gets.map((r: any) => r.query.limit)).toEqual(['1000', '1']);
  });

  it('a play watched an hour before the last sync and added after it is new by its id: no search', () => {
    const w = world();
    const at = w.host.now - 2 * HOUR;
    const { gets } = syncAfter(w, () => w.sim.seedHistory('alice', [{ ...movieRef(0), watched_at: at }]));
    expect(gets.map((r: any) => r.query.limit)).toEqual(['1000', '1']);
    expect(libPlays(w, 0)).toContain(at);
  });

  it.each([
    ['an HTML page answered 200', () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><title>Access denied | api.trakt.tv used Cloudflare to restrict access</title>' })],
    ['JSON cut short', (real: () => HttpResponse) => { const r = real(); return { ...r, body: String(r.body).slice(0, 20) }; }],
    ['no pagination headers (a partial answer)', (real: () => HttpResponse) => { const r = real(); return { ...r, headers: { 'content-type': 'application/json' } }; }],
    ['a 503', () => ({ status: 503, headers: {}, body: '' })],
  ])('a broken answer in the middle of the search (%s) is retried, never taken as a count', (_, broken) => {
    const w = world();
    const at = gap(250);
    // The window, the total, then the first halving is the one that breaks.
    breakNth(w, 3, broken);
    const { last, gets } = syncAfter(w, () => w.sim.seedHistory('alice', [{ ...movieRef(0), watched_at: at }]));
    expect(last.error).toBeUndefined();
    expect(libPlays(w, 0)).toContain(at);
    expect(w.lib.state('alice').history).toHaveLength(PLAYS + 1);
    expect(gets.some((r: any) => r.path !== '/sync/history')).toBe(false);
    expect(gets.filter((r: any) => r.query.limit !== '1' && r.query.end_at)).toHaveLength(1);
  });

  it('a count that moves during the search: both plays reach the library, no duplicate, no full read', () => {
    const w = world();
    const first = gap(120), second = gap(330);
    // Another app adds a second back-dated play while the search halves the history.
    breakNth(w, 4, null, () => w.sim.seedHistory('alice', [{ ...movieRef(0), watched_at: second }]));
    const a = syncAfter(w, () => w.sim.seedHistory('alice', [{ ...movieRef(0), watched_at: first }]));
    expect(libPlays(w, 0)).toContain(first);
    w.host.advance(HOUR);
    const b = syncAfter(w, () => w.sim.seedHistory('alice', [{ ...movieRef(1), watched_at: w.host.now - 10 * 60_000 }]));
    expect(libPlays(w, 0)).toContain(second);
    expect(w.lib.state('alice').history).toHaveLength(PLAYS + 3);
    for (const g of [...a.gets, ...b.gets]) expect(g.path).toBe('/sync/history');
  });

  it('a call whose budget runs out mid-search resumes from KV where it stopped', () => {
    const w = world();
    const at = gap(300);
    // Every answer takes 5 s: a call's 12 s of work hold two or three requests.
    const real = w.host.http;
    w.host.http = (req, h) => { h.advance(5_000); return real(req, h); };
    w.sim.seedHistory('alice', [{ ...movieRef(0), watched_at: at }]);
    const from = w.sim.requests.length;
    w.host.advance(60_000);
    syncNowImpl(w.host, 'alice', {});
    // Between calls, the search waits in the saved job.
    let savedMidSearch = 0;
    for (let i = 0; i < 100 && loadJob(w.host, 'alice'); i++) {
      const s = loadJob(w.host, 'alice')!.areas.history!.s;
      if (s.step === 'search' && (s.search.stack.length || s.search.leaf)) savedMidSearch++;
      const next = [...w.host.schedules.values()].sort((a, b) => a.at_ms - b.at_ms)[0]!;
      w.runDue(next.at_ms, 1);
    }
    expect(loadJob(w.host, 'alice')).toBeNull();
    expect(savedMidSearch).toBeGreaterThanOrEqual(2);
    expect(libPlays(w, 0)).toContain(at);
    // Each range was asked once: the search went on from its saved state, not from the start.
    const gets = reads(w, from);
    const keys = gets.map((r: any) => `${r.query.limit}|${r.query.start_at ?? ''}|${r.query.end_at ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(gets.filter((r: any) => r.query.limit === '1').length).toBeGreaterThanOrEqual(3);
  });
});
