// CI: a fixed set of simulated worlds (the real plugin.wasm, in-process host, virtual
// clock, seeded faults): every invariant is asserted on them. Each failure the simulation
// found is kept as a REGRESSION SEED (its seed, or its shrunk event list), asserted too.
// Seeds found before the hostile shapes of issue 19 replay without them (`hostile: false`:
// the same scenario they always had); those found with them say `hostile: true`.
// Replay any seed with `npm run sim -- --seed S`; `npm run bench -- sim` runs thousands.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers without types
import { runSeed } from './runner.mjs';
// @ts-expect-error plain ESM helpers without types
import { expected } from './oracle.mjs';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const HOLDING = [
  'no-trap', 'time-limit', 'no-secret-leak', 'token-isolation', 'area-off-read', 'area-written', 'scrobble-while-off',
  'history-kept', 'stop-on-trakt', 'no-unexplained-play', 'no-duplicate-library-play', 'no-duplicate-play',
  'original-time', 'history-exported', 'history-imported', 'ratings-converge', 'watchlist-converge',
  'exclusion', 'settles', 'reconnect', 'harness',
];

/** A regression seed that must hold every invariant (the one it broke is not on record). */
const EVERY = 'every invariant';

/** Found by the simulation (and fixed); each names its seed, invariant and diagnosis. */
const REGRESSIONS: Array<{ seed: number; invariant: string; why: string; events?: string; hostile?: boolean }> = [
  { seed: 4, invariant: 'original-time', why: 'history exports are floored to the minute (issue 8, finding 5)' },
  { seed: 1, invariant: 'history-exported', why: 'a back-dated library play added after the first sync is never exported (incremental read by play time; issue 8, finding 11)' },
  { seed: 1, invariant: 'history-imported', why: 'a back-dated play another app adds on Trakt after the first sync is never imported (the incremental import reads by watched_at)' },
  // Shrunk from 32 events to 2 (a 420 on the seek's /scrobble/start stops scrobbling, the
  // stop waits in the outbox, the next sync exports the host's own library play of that
  // watch, then the outbox sends the stop too: two plays 20 s apart).
  { seed: 21, invariant: 'ratings-converge', why: 'sync_ratings turned from off to import after the first sync: Trakt ratings are never read at all (no GET /sync/ratings in the whole run), so the newer Trakt rating never reaches the library' },
  { seed: 20, invariant: 'area-off-read', why: 'sync_watchlist turned off while a sync job is under way: the job still reads /sync/watchlist (it keeps the directions it started with)' },
  { seed: 27, invariant: 'settles', why: 'after one 423 (or 420) the plugin stops writes (or the area) for good: no probe, not even sync_now resumes; the outbox and the sync wait forever' },
  { seed: 235, invariant: 'stop-on-trakt', why: 'a renewal refused after a write-applied 5xx on /oauth/token; a stop is queued ("needs to be connected again"); after the user connects again it is never delivered, and the sync stops with "u/u0/sync/watchlist: part 0 of generation 40 is missing"' },
  // Found against the second sync engine, and fixed:
  { seed: 23, invariant: 'history-exported', why: 'a step that stopped on a failed request (a 502) lost what it had learned; its cursors had moved on' },
  { seed: 24, invariant: 'stop-on-trakt', why: 'a watched stop redelivered ten minutes after a crash was scrobbled, and Trakt dated it on arrival' },
  { seed: 31, invariant: 'no-unexplained-play', why: 'a new item in a reused session extrapolated the previous one, silent for hours, to a watch' },
  { seed: 49, invariant: 'original-time', why: 'a scrobbled play was imported at the stop time, a second before Trakt\'s own' },
  { seed: 88, invariant: 'area-written', why: 'a watchlist change waiting in the outbox went out after the area was set to import' },
  { seed: 135, invariant: 'no-duplicate-play', why: 'a stop redelivered after the outbox had delivered its watch was sent again' },
  { seed: 133, invariant: 'stop-on-trakt', why: 'the world counted a Disconnect that crashed after deleting the tokens as not done (an oracle false positive: a failed disconnect is now pressed again, as a user would)' },
  { seed: 1001, invariant: 'ratings-converge', why: 'the world logged another app removing a rating Trakt did not have as a change (an oracle false positive)' },
  { seed: 1015, invariant: 'stop-on-trakt', why: 'the world required a second full watch of an episode 30 min after the first, which Trakt refuses with 409 (an oracle false positive: a watch sooner than the runtime is not a real one)' },
  { seed: 14, invariant: 'exclusion', why: 'a Trakt rating of an episode of a left-out show, held back in one sync, was imported in the next: the item rebuilt from sync state had the show\'s ids but not its title' },
  { seed: 58, invariant: 'exclusion', why: 'the same for another user: an episode rating held back once, imported by a later sync that did not read Trakt again' },
  { seed: 268, invariant: 'ratings-converge', why: 'import only: a library rating later than Trakt\'s (held back: import writes no Trakt) was removed in the library, and Trakt\'s older rating came back (the item had never entered base)' },
  { seed: 1506, invariant: 'no-duplicate-play', why: 'a progress event whose call crashed was delivered again after its session\'s stop: it started the session anew at 80%, and the next item in that session ended it as a second watch' },
  // Found with the hostile shapes of issue 19 (200 with HTML or cut JSON, pages without
  // headers, answers just under the timeout) on the build before its fixes; all pass since
  // a broken 2xx is a transient failure and list pages must be lists.
  { seed: 11, hostile: true, invariant: 'stop-on-trakt', why: 'a broken 2xx answer was taken as data: a watch was dropped as delivered and a history page read as empty (a play never exported, another never imported)' },
  { seed: 19, hostile: true, invariant: 'history-exported', why: 'a back-dated library play never reached Trakt after a history page answered 200 with something not a list' },
  { seed: 23, hostile: true, invariant: 'ratings-converge', why: 'a ratings page answered 200 HTML or cut JSON read as an empty page: the merge took the unread ratings as removed on Trakt and removed them here' },
  { seed: 31, hostile: true, invariant: 'ratings-converge', why: 'the same on both sides: a rating removed from the library and Trakt after a broken ratings page' },
  { seed: 40, hostile: true, invariant: 'ratings-converge', why: 'a library rating never reached Trakt after a broken ratings page' },
  { seed: 45, hostile: true, invariant: 'history-exported', why: 'a watched stop and a back-dated Trakt play lost to broken history answers taken as data' },
  // Found by `--seeds 500` (issue 19, shrunk from 29 events to 12): export mode, a
  // watchlist add the hook sent, its removal held by a 423 past the hand-off to the merge.
  { seed: 441, events: 'seed-441-watchlist-converge.json', hostile: true, invariant: 'watchlist-converge', why: 'a watchlist add sent from its hook never became the merge\'s base, so when its removal (held by a 423) was handed to the sync, the item missing here read as added on Trakt and stayed there' },
  // Named in issue 19 (finding 5) and fixed since; kept here so they stay fixed (their
  // scenarios as found, before the hostile shapes). Which invariant each broke is not on
  // record: each must hold every one.
  { seed: 764, invariant: EVERY, why: 'a back-dated Trakt play missed by the count (the window counted only plays watched after the last count)' },
  { seed: 936, invariant: EVERY, why: 'the same: a back-dated Trakt play missed by the count' },
  { seed: 1473, invariant: EVERY, why: 'the same: a back-dated Trakt play missed by the count' },
  { seed: 1586, invariant: EVERY, why: 'the same: a back-dated Trakt play missed by the count' },
  { seed: 1650, invariant: EVERY, why: 'the same: a back-dated Trakt play missed by the count' },
  { seed: 1329, invariant: EVERY, why: 'a rating change that waited in the outbox through a 420/423 hold overwrote a newer value set on Trakt meanwhile' },
  { seed: 962, invariant: EVERY, why: 'a request started near the end of the budget under slow answers ran past the 30 s limit' },
  // Found by `--seeds 500` with the imported-ratings shapes (issue 19): a 401 on the stop's
  // scrobble, then a renewal of the sign-in answered 9.8 s late.
  { seed: 201, hostile: true, invariant: 'original-time', why: 'a watched stop whose scrobble was retried after a slow renewal of the sign-in reached Trakt 10 s late, and Trakt dated the play on arrival' },
  { seed: 3, events: 'seed-3-no-duplicate-play.json', invariant: 'no-duplicate-play', why: 'a watched stop waiting in the outbox and the history export of the host\'s own play of it both reach Trakt' },
];
const keyOf = (r: { seed: number; events?: string; hostile?: boolean }) => (r.events ? `${r.seed}:${r.events}` : r.hostile ? `${r.seed}:hostile` : String(r.seed));

type Result = { seed: number; violations: Array<{ invariant: string; detail: string; event: unknown }>; stats: any };
const results = new Map<string, Result>();
const violationsOf = (key: string | number, inv: string) => (results.get(String(key))?.violations ?? []).filter((v) => v.invariant === inv);

describe('deterministic simulation (fixed seeds)', () => {
  beforeAll(async () => {
    for (const s of SEEDS) results.set(String(s), await runSeed(s, { hostile: false }));
    for (const r of REGRESSIONS) {
      if (results.has(keyOf(r))) continue;
      const events = r.events ? JSON.parse(readFileSync(new URL(`./regressions/${r.events}`, import.meta.url), 'utf8')) : undefined;
      results.set(keyOf(r), await runSeed(r.seed, { events, hostile: r.hostile ?? false, crowd: false })); // their scenarios as found
    }
  }, 900_000);
  afterAll(() => results.clear());

  it('the same seed gives the same run, call for call', async () => {
    const again = await runSeed(2, { hostile: false });
    const a = results.get('2')!;
    expect(again.stats).toEqual(a.stats);
    expect(again.violations).toEqual(a.violations);
  }, 300_000);

  it('every seed ran its events and settled (the harness itself did not fail)', () => {
    for (const s of SEEDS) {
      const r = results.get(String(s))!;
      expect(r.stats.calls, `seed ${s}`).toBeGreaterThan(20);
      expect(violationsOf(s, 'harness'), `seed ${s}`).toEqual([]);
    }
  });

  for (const inv of HOLDING) {
    it(`no seed breaks ${inv}`, () => {
      for (const s of SEEDS) expect(violationsOf(s, inv).map((v) => v.detail), `seed ${s} (npm run sim -- --seed ${s})`).toEqual([]);
    });
  }

  for (const r of REGRESSIONS) {
    it(`REGRESSION seed ${r.seed}${r.events ? ` (${r.events})` : ''} holds ${r.invariant} (was: ${r.why})`, () => {
      const found = r.invariant === EVERY ? results.get(keyOf(r))?.violations ?? [] : violationsOf(keyOf(r), r.invariant);
      expect(found.map((v) => `${v.invariant}: ${v.detail}`)).toEqual([]);
    });
  }

  it('the end checks can fail: a duplicated play, a lost play and a resurrected rating are caught', async () => {
    let removedRemote = false;
    const r = await runSeed(8, { hostile: false,
      tamper: (w: any) => {
        const u = w.users.get('u0');
        const stop = u.stops.find((s: any) => s.required);
        const it0 = w.catalog.items.get(stop?.wid ?? [...w.catalog.items.keys()][0]);
        // A second play right next to a stop; a Trakt play of the other app removed.
        if (stop) w.sim.seedHistory(u.trakt, [{ ...it0.trakt, watched_at: stop.at + 30_000 }]);
        const remote = u.remotePlays[0];
        removedRemote = !!remote;
        if (remote) w.sim.users.get(u.trakt).history.splice(w.sim.users.get(u.trakt).history.findIndex((h: any) => Math.floor(h.watchedAt / 1000) === Math.floor(remote.at / 1000)), 1);
        u.settings.sync_ratings = 'both';
        u.connected = true;
        w.sim.seedRatings(u.trakt, [{ ...it0.trakt, rating: 3, rated_at: w.now() - 86_400_000 }]);
        u.changes.ratings.set(it0.wid, [{ side: 'T', at: w.now() - 2 * 86_400_000, v: 5 }, { side: 'L', at: w.now() - 1000, v: 0 }]);
      },
    });
    const invs = new Set(r.violations.map((v: any) => v.invariant));
    expect(invs.has('no-duplicate-play') || invs.has('no-unexplained-play')).toBe(true);
    expect(invs.has('ratings-converge')).toBe(true);
    expect(invs.has('history-kept')).toBe(removedRemote);
  }, 300_000);

  it('merge oracle: the later change wins, a removal wins ties, an unseen removal may win', () => {
    expect(expected([{ side: 'L', at: 1, v: 8 }, { side: 'T', at: 2, v: 6 }], {}).want).toBe(6);
    expect(expected([{ side: 'L', at: 5, v: 0 }, { side: 'T', at: 5, v: 6 }], {}).want).toBe(0);
    const e = expected([{ side: 'L', at: 1, v: 0 }, { side: 'T', at: 10, v: 6 }], { L: [] });
    expect(e.want).toBe(6);
    expect([...e.also]).toEqual([0]);
    expect([...expected([{ side: 'L', at: 1, v: 0 }, { side: 'T', at: 10, v: 6 }], { L: [5] }).also]).toEqual([]);
  });
});
