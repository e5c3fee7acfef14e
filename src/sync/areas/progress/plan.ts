// Resume points (a movie or episode stopped part way), three-way between the library's
// resume points (library kind "progress": progress %, at_ms = when paused) and Trakt's
// paused playbacks (GET /sync/playback: progress, paused_at, id), against a base: what
// both sides last had. Per item, L / R the current resume points (or none), B the base:
//   1. A finished watch clears: a resume point older than the item's latest library play
//      is gone on its side (remove_progress here, DELETE /sync/playback/{id} there).
//   2. Then, per side, changed = differs from B (appearing and disappearing are changes):
//      - neither changed: nothing;
//      - one changed: it goes to the other side (a pause, or a removal); paused again at
//        the same progress, only B's time for that side moves (nothing to write);
//      - both changed: the same progress: agreed (B := it); else the later pause wins
//        (L.at vs R.at); a resume point beats a removal (a removal has no time, and a
//        finished watch was handled in 1).
//   3. A change the direction may not write is left pending (B untouched).
// Trakt sets paused_at itself when a pause scrobble arrives (the time it was sent), so
// B keeps both times: the library's at_ms and Trakt's paused_at, and Trakt's side counts
// as unchanged while its progress is B's and its paused_at within SAME_MS of B's.
// `remote: null` (last_activities unchanged) means Trakt's side is what the state last
// saw of it (`r`, kept per item).
import type { Change, LibraryEntry } from '../../../host/api.js';
import type { MediaItem } from '../../../schemas/media.js';
import { writesLocal, writesRemote, type Direction } from '../../merge/direction.js';
import { TupleWriter, traktView, type Tuple } from '../../merge/identity.js';
import { ItemIndex, type IndexEntry } from '../../merge/item-index.js';
import { StateError, checkEnvelope, decodeState, encodeState, showTableReader } from '../../merge/state.js';

/** Base: progress, library at_ms, Trakt paused_at (ms). */
export interface ResumeBase { p: number; lAt: number; rAt: number }
/** Trakt's playback as last seen: progress, paused_at, playback id; nl: the library refused it (not there). */
export interface ResumeRemote { p: number; at: number; id: number; nl?: 1 }
/** What the resume-point merge remembers of one item: the last agreed base and Trakt's last view. */
export interface ResumeEntry { b: ResumeBase | null; r: ResumeRemote | null }
/** The resume-point state between syncs, by item. */
export interface ResumeState { items: ItemIndex<ResumeEntry> }

/** A paused playback as GET /sync/playback lists it. */
export interface TraktPlayback { progress: number; paused_at: string; id: number; type?: string; movie?: any; episode?: any; show?: any }

/** What the resume-point planner merges: the state, both sides' resume points and recent plays. */
export interface ResumeInput {
  state: ResumeState;
  /** The library's resume points, all of them (a removal is an absence). */
  local: readonly LibraryEntry[];
  /** Trakt's paused playbacks, all of them; null when Trakt's side is unchanged. */
  remote: readonly TraktPlayback[] | null;
  /** The latest library play of an item (ms), or 0. */
  lastPlay(item: MediaItem): number;
  direction: Direction;
}

/** Writes here: set_progress / remove_progress, with the base they leave. */
export interface LocalResumeOp { change: Change; base: ResumeBase | null }
/** Writes on Trakt: a pause scrobble at `progress`, or a DELETE of playback `id`. */
export type RemoteResumeOp =
  | { op: 'pause'; item: MediaItem; progress: number; lAt: number }
  | { op: 'delete'; item: MediaItem; id: number; base: ResumeBase | null };

/** The resume points' plan: changes for the library and for Trakt. */
export interface ResumePlan { toLocal: LocalResumeOp[]; toRemote: RemoteResumeOp[]; agreed: number }

/** Trakt answers paused_at to the second, at the time it took the pause: this close counts as the same. */
export const SAME_MS = 120_000;
const EPS = 0.05;

/** A resume-point state that knows nothing yet. */
export const emptyResumeState = (): ResumeState => ({ items: new ItemIndex<ResumeEntry>() });

const sameP = (a: number, b: number) => Math.abs(a - b) < EPS;

interface Cur { p: number; at: number; id?: number }

/** Times of the item's resume points on both sides, to know which plays to look up. */
export function resumeTimes(input: Pick<ResumeInput, 'local' | 'remote'>): number[] {
  const out: number[] = [];
  for (const e of input.local) if (typeof e?.at_ms === 'number') out.push(e.at_ms);
  for (const r of input.remote ?? []) { const t = Date.parse(r?.paused_at); if (t >= 0) out.push(t); }
  return out;
}

/** The three-way merge of resume points: the later pause wins, a finished watch clears both sides. */
export function planResume(input: ResumeInput): ResumePlan {
  const { state, local, remote, direction } = input;
  const idx = state.items;
  const cl = new Map<IndexEntry<ResumeEntry>, Cur>();
  const touch = (item: MediaItem) => {
    let e = idx.find(item);
    if (e) idx.mergeIds(e, item);
    else e = idx.add(item, { b: null, r: null });
    return e;
  };
  for (const x of local) {
    if (!x?.item || typeof x.progress !== 'number' || !(x.progress >= 0 && x.progress <= 100)) continue;
    const e = touch(x.item);
    const at = typeof x.at_ms === 'number' ? x.at_ms : 0;
    const had = e && cl.get(e);
    if (e && (!had || at >= had.at)) cl.set(e, { p: x.progress, at });
  }
  if (remote) {
    const seen = new Map<IndexEntry<ResumeEntry>, ResumeRemote>();
    for (const x of remote) {
      const item = x ? traktView(x) : null;
      const at = Date.parse(x?.paused_at);
      if (!item || typeof x.progress !== 'number' || !(at >= 0) || !Number.isInteger(x.id)) continue;
      const e = touch(item);
      const had = e && seen.get(e);
      if (e && (!had || at >= had.at)) seen.set(e, { p: x.progress, at, id: x.id });
    }
    for (const e of idx.entries()) {
      const was = e.value.r, now = seen.get(e) ?? null;
      if (now && was?.nl && was.at === now.at) now.nl = 1; // still the pause the library refused
      e.value.r = now;
    }
  }
  const wL = writesLocal(direction), wR = writesRemote(direction);
  const toLocal: LocalResumeOp[] = [], toRemote: RemoteResumeOp[] = [];
  let agreed = 0;
  for (const entry of idx.entries()) {
    const e = entry.value;
    const item = () => entry.item;
    let L: Cur | null = cl.get(entry) ?? null;
    let R: Cur | null = e.r;
    // A pause of an item this library does not hold: not offered again until it changes.
    const importable = !e.r?.nl;
    if (!L && !R && !e.b) { idx.deleteEntry(entry); continue; }
    // 1. A finished watch clears what is older than it.
    const play = L || R ? input.lastPlay(entry.item) : 0;
    const clearL = !!L && L.at < play, clearR = !!R && R.at < play;
    if (clearL || clearR) {
      const oldL = L, oldR = R;
      if (clearL) L = null;
      if (clearR) R = null;
      if (!L && !R) {
        if (oldL && wL) toLocal.push({ change: { op: 'remove_progress', item: item(), at_ms: oldL.at }, base: null });
        if (oldR && wR) toRemote.push({ op: 'delete', item: item(), id: oldR.id!, base: null });
        continue;
      }
      // The side newer than the play goes over the cleared one.
      if (L && wR) toRemote.push({ op: 'pause', item: item(), progress: L.p, lAt: L.at });
      else if (R && wL && importable) toLocal.push({ change: { op: 'set_progress', item: item(), progress: R.p, at_ms: R.at }, base: { p: R.p, lAt: R.at, rAt: R.at } });
      continue;
    }
    // 2. Three-way.
    const b = e.b;
    const lCh = !L ? !!b : !b || !sameP(L.p, b.p) || L.at !== b.lAt;
    const rCh = !R ? !!b : !b || !sameP(R.p, b.p) || Math.abs(R.at - b.rAt) > SAME_MS;
    if (!lCh && !rCh) continue;
    // Paused again at the same place on one side: no value to carry, only the time.
    if (b && lCh !== rCh && (lCh ? L : R) && sameP((lCh ? L : R)!.p, b.p)) {
      if (lCh) b.lAt = L!.at; else b.rAt = R!.at;
      continue;
    }
    let goRemote: boolean;
    if (lCh && rCh) {
      if (!L && !R) { e.b = null; continue; }
      if (L && R && sameP(L.p, R.p)) { e.b = { p: L.p, lAt: L.at, rAt: R.at }; agreed++; continue; }
      goRemote = L && R ? L.at > R.at : !!L;
    } else goRemote = lCh;
    if (goRemote) {
      if (!wR) continue;
      if (L) toRemote.push({ op: 'pause', item: item(), progress: L.p, lAt: L.at });
      else if (R) toRemote.push({ op: 'delete', item: item(), id: R.id!, base: null });
    } else {
      if (!wL) continue;
      if (R && importable) toLocal.push({ change: { op: 'set_progress', item: item(), progress: R.p, at_ms: R.at }, base: { p: R.p, lAt: R.at, rAt: R.at } });
      else if (L) toLocal.push({ change: { op: 'remove_progress', item: item(), at_ms: L.at }, base: null });
    }
  }
  return { toLocal, toRemote, agreed };
}

/** A write here went through: base := what both sides now have. */
export function commitLocalResume(state: ResumeState, ops: readonly LocalResumeOp[]): void {
  for (const o of ops) {
    const e = state.items.find(o.change.item);
    if (e) e.value.b = o.base;
  }
}

/** The library refused these set_progress ops (not in this library): not offered again until Trakt's pause changes. */
export function refuseLocalResume(state: ResumeState, ops: readonly LocalResumeOp[]): void {
  for (const o of ops) {
    const r = o.change.op === 'set_progress' ? state.items.find(o.change.item)?.value.r : null;
    if (r) r.nl = 1;
  }
}

/**
 * A write on Trakt went through: a pause (Trakt's playback `id`, paused at `at`, Trakt's
 * clock: the host time the answer came), or a delete (also a 404: it was gone already).
 */
export function commitRemoteResume(state: ResumeState, op: RemoteResumeOp, answer: { id?: number; at: number }): void {
  let e = state.items.find(op.item);
  if (!e) e = state.items.add(op.item, { b: null, r: null });
  if (!e) return;
  if (op.op === 'pause') {
    const at = Math.floor(answer.at / 1000) * 1000;
    e.value.b = { p: op.progress, lAt: op.lAt, rAt: at };
    e.value.r = { p: op.progress, at, id: answer.id ?? 0 };
  } else {
    e.value.b = op.base;
    e.value.r = null;
  }
}

// ---- persistence: { kind: 'progress', v: 1, shows, items: [[...head, b (0/1), p, lAt, rAt, r (0 none, 1, 2 refused here), rp, rAt, id]] }

/** The resume-point state as compact text for KV. */
export function saveResume(state: ResumeState): string {
  const items: Tuple[] = [], w = new TupleWriter();
  for (const x of state.items.entries()) {
    const { b, r } = x.value;
    if (!b && !r) continue;
    const t = w.write(x.item);
    t.push(b ? 1 : 0, b?.p ?? 0, b?.lAt ?? 0, b?.rAt ?? 0, r ? (r.nl ? 2 : 1) : 0, r?.p ?? 0, r?.at ?? 0, r?.id ?? 0);
    items.push(t);
  }
  return encodeState({ kind: 'progress', v: 1, shows: w.shows, items });
}

const NAMES = ['base flag', 'base progress', 'base library time', 'base Trakt time', 'Trakt flag', 'Trakt progress', 'Trakt time', 'playback id'];

/** Reads a saved resume-point state; throws a StateError when it is unreadable. */
export function loadResume(text: string, what = 'resume state'): ResumeState {
  const o = checkEnvelope(decodeState(text, what), what, 'progress', 1);
  const reader = showTableReader(o.shows, what);
  const state = emptyResumeState();
  (o.items as unknown[]).forEach((t, i) => {
    const where = `${what}: items[${i}]`;
    let head: { item: MediaItem; next: number };
    try { head = reader.read(t, where); } catch (err) { throw new StateError((err as Error).message); }
    const a = t as unknown[];
    if (a.length !== head.next + 8) throw new StateError(`${where}: expected ${head.next + 8} slots, got ${a.length}`);
    const v = a.slice(head.next) as number[];
    v.forEach((x, k) => {
      const ok = typeof x === 'number' && Number.isFinite(x) && x >= 0 && (k === 0 ? x === 0 || x === 1 : k === 4 ? x === 0 || x === 1 || x === 2 : k === 1 || k === 5 ? x <= 100 : Number.isInteger(x));
      if (!ok) throw new StateError(`${where}[${head.next + k}] (${NAMES[k]}): got ${JSON.stringify(x) ?? 'nothing'}`);
    });
    if (state.items.has(head.item)) return;
    state.items.add(head.item, {
      b: v[0] ? { p: v[1]!, lAt: v[2]!, rAt: v[3]! } : null,
      r: v[4] ? { p: v[5]!, at: v[6]!, id: v[7]!, ...(v[4] === 2 ? { nl: 1 as const } : {}) } : null,
    });
  });
  return state;
}
