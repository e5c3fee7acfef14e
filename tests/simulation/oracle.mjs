// The end-of-run invariants, checked once faults stop and the syncs settled. This is an
// independent reading of the documented rules (README "Never a lost or duplicate play",
// src/sync/README.md), not a copy of the plugin's code:
// - history: every watched stop is on Trakt exactly once at its time; plays of the same
//   item less than 24 h apart are one play, so neither side gets a second one; exports and
//   imports keep the time to the second;
// - ratings and watchlist: three-way merge; the latest change wins, a removal propagates
//   and nothing is resurrected. A removal has no time of its own (the plugin dates it when
//   a sync first saw it), so where that date decides, both outcomes are accepted.
import { DAY } from './world.mjs';
import { widOfLib } from './events.mjs';
import { widOfTrakt } from './world.mjs';

const SCROBBLE_TOLERANCE_MS = 5_000; // a live scrobble is dated by Trakt on arrival
const sec = (ms) => Math.floor(ms / 1000);

/** @param {import('./world.mjs').World} w */
export function checkEnd(w) {
  const counts = { lost: 0, duplicated: 0, diverged: 0, timeChanged: 0 };
  for (const u of w.users.values()) {
    checkHistory(w, u, counts);
    if (u.connected) for (const area of /** @type {const} */ (['ratings', 'watchlist'])) checkThreeWay(w, u, area, counts);
  }
  w.scanStores();
  return counts;
}

function checkHistory(w, u, counts) {
  const trakt = w.sim.history(u.trakt).map((h) => ({ wid: widOfTrakt(h), at: Date.parse(h.watched_at), action: h.action, used: false }));
  const lib = w.host.library.state(u.id).history.map((e) => ({ wid: widOfLib(w, e.item), at: e.at_ms, used: false }));
  const lastDisconnect = Math.max(-Infinity, ...u.disconnectedAt);
  const take = (list, wid, ok) => { const p = list.find((x) => !x.used && x.wid === wid && ok(x)); if (p) p.used = true; return p; };

  // Seeded plays of the other app stay, exactly as they were.
  for (const r of u.remotePlays) {
    if (!take(trakt, r.wid, (x) => sec(x.at) === sec(r.at))) { counts.lost++; w.violate('history-kept', `${u.id}: Trakt lost the play of ${r.wid} at ${iso(r.at)}`); }
  }
  // Plays of items the user's filters leave out: only the other app's.
  for (const x of trakt.filter((t) => !t.used && w.excluded(u, t.wid))) {
    x.used = true;
    w.violate('exclusion', `${u.id}: Trakt has a play of ${x.wid} at ${iso(x.at)}, an item the user's filters leave out`);
  }
  // Every watched stop, once, at its time.
  for (const s of u.stops) {
    const required = s.required && s.at > lastDisconnect;
    const p = take(trakt, s.wid, (x) => (x.action === 'scrobble' ? Math.abs(x.at - s.at) <= SCROBBLE_TOLERANCE_MS : sec(x.at) === sec(s.at)));
    if (p || !required) continue;
    const near = trakt.find((x) => !x.used && x.wid === s.wid && Math.abs(x.at - s.at) < 10 * 60_000);
    if (near) { near.used = true; counts.timeChanged++; w.violate('original-time', `${u.id}: the watched stop of ${s.wid} at ${iso(s.at)} is on Trakt at ${iso(near.at)} (${near.action})`); }
    else { counts.lost++; w.violate('stop-on-trakt', `${u.id}: the watched stop of ${s.wid} at ${iso(s.at)} (event ${s.eventId}) is not on Trakt`); }
  }
  // Exports of library plays keep their second.
  for (const l of u.libPlays) take(trakt, l.wid, (x) => sec(x.at) === sec(l.at));
  for (const x of trakt.filter((t) => !t.used)) {
    const twin = trakt.find((y) => y !== x && y.wid === x.wid && Math.abs(y.at - x.at) < DAY);
    if (twin) { counts.duplicated++; w.violate('no-duplicate-play', `${u.id}: Trakt has ${x.wid} at ${iso(x.at)} and again at ${iso(twin.at)} (less than 24 h apart)`); continue; }
    const src = u.libPlays.find((l) => l.wid === x.wid && Math.abs(l.at - x.at) < 10 * 60_000);
    if (src) { counts.timeChanged++; w.violate('original-time', `${u.id}: the library play of ${x.wid} at ${iso(src.at)} reached Trakt at ${iso(x.at)}`); }
    else { counts.duplicated++; w.violate('no-unexplained-play', `${u.id}: Trakt has a play of ${x.wid} at ${iso(x.at)} that no stop, library play or other app made`); }
  }
  if (!u.connected) return;
  const mode = u.settings.sync_history;
  const traktAll = w.sim.history(u.trakt).map((h) => ({ wid: widOfTrakt(h), at: Date.parse(h.watched_at) }));
  if (mode === 'export' || mode === 'both') {
    for (const l of lib.filter((x) => !w.excluded(u, x.wid))) {
      const origin = u.libPlays.find((p) => p.wid === l.wid && p.at === l.at)?.from ?? 'import';
      if (!traktAll.some((t) => t.wid === l.wid && Math.abs(t.at - l.at) < DAY)) { counts.lost++; w.violate('history-exported', `${u.id}: the library play of ${l.wid} at ${iso(l.at)} (${origin === 'edit' ? 'back-dated, added during the run' : origin === 'seed' ? 'there before the first sync' : origin}) never reached Trakt (sync_history ${mode})`); }
    }
  }
  // Library: plays the host or the user made, then imports, each at a Trakt play's second,
  // never within 24 h of another play of the item.
  for (const l of u.libPlays) take(lib, l.wid, (x) => x.at === l.at);
  for (const x of lib.filter((e) => !e.used)) {
    if (w.excluded(u, x.wid)) { w.violate('exclusion', `${u.id}: the library gained a play of ${x.wid} at ${iso(x.at)}, an item the user's filters leave out`); continue; }
    // A play the host recorded for a later rewatch may lie within 24 h of an earlier import:
    // only a twin of the same watch (10 min), or one that is not a rewatch, is a duplicate.
    const origin = (y) => u.libPlays.find((l) => l.wid === y.wid && l.at === y.at)?.from;
    const twin = lib.find((y) => y !== x && y.wid === x.wid && Math.abs(y.at - x.at) < DAY && (origin(y) !== 'stop' || Math.abs(y.at - x.at) < 10 * 60_000));
    if (twin) { counts.duplicated++; w.violate('no-duplicate-library-play', `${u.id}: the library has ${x.wid} at ${iso(x.at)} and at ${iso(twin.at)}`); continue; }
    if (!traktAll.some((t) => t.wid === x.wid && sec(t.at) === sec(x.at))) {
      const near = traktAll.find((t) => t.wid === x.wid && Math.abs(t.at - x.at) < 10 * 60_000);
      counts.timeChanged++;
      w.violate('original-time', `${u.id}: an imported library play of ${x.wid} at ${iso(x.at)}${near ? ` comes from the Trakt play at ${iso(near.at)}` : ' matches no Trakt play'}`);
    }
  }
  if (mode === 'import' || mode === 'both') {
    const libAll = w.host.library.state(u.id).history.map((e) => ({ wid: widOfLib(w, e.item), at: e.at_ms }));
    for (const t of traktAll.filter((x) => !w.excluded(u, x.wid))) {
      const rp = u.remotePlays.find((p) => p.wid === t.wid && sec(p.at) === sec(t.at));
      const origin = rp ? (rp.during ? 'back-dated, added by another app during the run' : 'there before the first sync') : 'made by the plugin';
      if (!libAll.some((l) => l.wid === t.wid && Math.abs(l.at - t.at) < DAY)) { counts.diverged++; w.violate('history-imported', `${u.id}: the Trakt play of ${t.wid} at ${iso(t.at)} (${origin}) never reached the library (sync_history ${mode})`); }
    }
  }
}

/**
 * The value the merge rules promise, and the values that are also acceptable when the
 * outcome depends on when a sync first saw a removal.
 * @returns {{ want: number, also: Set<number> }}
 */
export function expected(changes, reads, snapAt = -Infinity) {
  // Ties: the removal wins, else the library (sorted last = wins).
  const rank = (c) => (c.v === 0 ? 2 : c.side === 'L' ? 1 : 0);
  const sorted = [...changes].sort((a, b) => a.at - b.at || rank(a) - rank(b));
  const last = sorted[sorted.length - 1];
  const also = new Set();
  if (!last) return { want: 0, also };
  // A removal the plugin could not see: it never read that side since its base started
  // (the area was off, or it just connected). The item is then simply absent there, and
  // the other side's value counts as a change.
  if (last.v === 0 && !(reads[last.side] ?? []).some((t) => t >= snapAt && t < last.at)) {
    const other = sorted.filter((c) => c.side !== last.side).pop();
    if (other && other.v !== 0) also.add(other.v);
  }
  for (const c of sorted) {
    if (c === last || c.side === last.side) continue;
    // Set on both sides within 2 s of each other: either may count as later.
    if (c.v !== 0 && last.v !== 0 && last.at - c.at < 2_000) also.add(c.v);
    // A removal on the other side that no successful sync had seen before `last` may be
    // dated after it, and then wins.
    if (c.v === 0 && last.v !== 0) {
      const seen = (reads[c.side] ?? []).some((t) => t >= c.at && t < last.at);
      const laterOnSameSide = sorted.some((d) => d.side === c.side && d.at > c.at);
      if (!seen && !laterOnSameSide) also.add(0);
    }
  }
  return { want: last.v, also };
}

function checkThreeWay(w, u, area, counts) {
  const mode = u.settings[`sync_${area}`];
  if (mode === 'off') return;
  const libVals = new Map();
  const st = w.host.library.state(u.id);
  if (area === 'ratings') for (const r of st.ratings) libVals.set(widOfLib(w, r.item), r.rating * 2);
  else for (const e of st.watchlist) libVals.set(widOfLib(w, e.item), 1);
  const traktVals = new Map();
  if (area === 'ratings') for (const r of w.sim.ratings(u.trakt)) traktVals.set(widOfTrakt(r), r.rating);
  else for (const e of w.sim.watchlist(u.trakt)) traktVals.set(widOfTrakt(e), 1);
  const wids = new Set([...u.changes[area].keys(), ...libVals.keys(), ...traktVals.keys()]);
  const reads = { L: u.reads.L[area], T: u.reads.T[area] };
  for (const wid of wids) {
    if (w.excluded(u, wid)) {
      // Left alone: each side holds what its own changes made.
      const own = (side) => (u.changes[area].get(wid) ?? []).filter((c) => c.side === side).sort((a, b) => a.at - b.at).pop()?.v ?? 0;
      const l = libVals.get(wid) ?? 0, t = traktVals.get(wid) ?? 0;
      if (l !== own('L') || t !== own('T')) w.violate('exclusion', `${u.id} ${wid} (sync_${area} ${mode}): left out by the filters, yet library ${l} / Trakt ${t} where their own changes made ${own('L')} / ${own('T')}`);
      continue;
    }
    const { want, also } = expected(u.changes[area].get(wid) ?? [], reads, u.snapAt?.[area]);
    const ok = (v) => v === want || also.has(v);
    const l = libVals.get(wid) ?? 0;
    const t = traktVals.get(wid) ?? 0;
    const sides = [];
    if ((mode === 'both' || mode === 'import') && !ok(l)) sides.push(`library ${l}`);
    if ((mode === 'both' || mode === 'export') && !ok(t)) sides.push(`Trakt ${t}`);
    if (sides.length) {
      counts.diverged++;
      const hist = (u.changes[area].get(wid) ?? []).map((c) => `${c.side}:${c.v}@${iso(c.at)}`).join(' ');
      w.violate(`${area}-converge`, `${u.id} ${wid} (sync_${area} ${mode}): expected ${want}${also.size ? ` (or ${[...also].join('/')})` : ''}, got ${sides.join(', ')}; changes ${hist || 'none'}`);
    }
  }
}

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
