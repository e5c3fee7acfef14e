// What each side of a three-way list took since its state was last saved: ops appended
// page by page under `<area>/journal`, folded into the state by the next plan (which then
// deletes them). A delivery records its bases here without loading and saving the whole
// state (seconds for a 20k list). The sync's own deliveries write it, and so does the
// outbox for the rating and watchlist changes it sends from hooks: a change Trakt took is
// the base of both sides, or a later removal here would read as "never there".
import type { HostApi } from '../../host/api.js';
import { commitThreeWay, skipThreeWay, type ThreeWayCodec, type ThreeWayOp, type ThreeWayState } from '../merge/index.js';
import { readJson, writeJson } from '../../state/kv.js';
import { LIST_PAGE, appendList, deleteBlob, readList } from './blob.js';
import { syncKey } from './job.js';

type Entry = [took: 0, op: ThreeWayOp] | [refused: 1, op: ThreeWayOp, at: number];
const prefix = (userId: string, area: string) => syncKey(userId, `${area}/journal`);
const countKey = (userId: string, area: string) => `${prefix(userId, area)}/count`;

/**
 * Records ops one side took, and ops it refused at `now`. A crash before the caller's
 * checkpoint redoes the delivery (idempotent) and records it again.
 */
export function appendJournal(host: HostApi, userId: string, area: string, took: readonly ThreeWayOp[], refused: readonly ThreeWayOp[], now: number): void {
  if (!took.length && !refused.length) return;
  const entries: Entry[] = [...took.map((o): Entry => [0, o]), ...refused.map((o): Entry => [1, o, now])];
  const n = readJson<number>(host, countKey(userId, area)).value ?? 0;
  writeJson(host, countKey(userId, area), appendList(host, prefix(userId, area), n, entries));
}

/** Applies the journal to a loaded state, in order (a later entry for an item stands; applying one twice is harmless). */
export function foldJournal(host: HostApi, userId: string, area: string, codec: ThreeWayCodec, st: ThreeWayState): void {
  const n = readJson<number>(host, countKey(userId, area)).value ?? 0;
  for (let i = 0; i < n; i += LIST_PAGE) {
    for (const e of readList<Entry>(host, prefix(userId, area), i, Math.min(n, i + LIST_PAGE))) {
      if (e[0] === 0) commitThreeWay(codec, st, [e[1]]);
      else skipThreeWay(st, [e[1]], e[2]);
    }
  }
}

/** Drops the journal once the state that folded it is saved (a crash before applies it again, which changes nothing). */
export function dropJournal(host: HostApi, userId: string, area: string): void {
  deleteBlob(host, prefix(userId, area));
}
