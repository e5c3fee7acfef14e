// The history merge state in shards by calendar month (UTC) of the play, so a sync loads
// and saves only the months its plays touch: one new play costs three small shards (its
// month and the two around it, for the 24 h same-play rule across a month's edge), not
// the whole history. The month of a play is the one thing both sides always agree on
// about it, whatever ids each side knows. A shard is a history state of its own
// (src/sync/history.ts); an index lists the months that have one.
// A dry run reads the real shards but writes to a scratch prefix, deleted at the end.
import { absorbHistory, emptyHistoryState, learnPlays, loadHistory, saveHistory, type HistoryState } from './plan.js';
import type { TraktHistoryEntry } from '../../merge/index.js';
import type { LibraryEntry } from '../../../host/api.js';
import { readJson, writeJson } from '../../../state/kv.js';
import { loadBlob, saveBlob } from '../../core/blob.js';
import type { Run } from '../../core/run.js';

/** The calendar month (UTC) of a time, as a month number: the shard a play belongs to. */
export const monthOf = (ms: number): number => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};

interface Index { months: number[] }

/** The history state split by month of play: loads and saves only the months a sync touches. */
export class HistoryShards {
  private readonly cache = new Map<number, HistoryState>();
  private readonly dirty = new Set<number>();
  private index: Set<number> | null = null;
  private indexDirty = false;

  /** `write` is where changes go: the real prefix, or a dry run's scratch prefix. */
  constructor(private readonly run: Run, private readonly prefix: string, private readonly write: string) {
    run.onCheckpoint(() => this.save());
  }

  private shardKey(base: string, m: number) { return `${base}/m/${m}`; }

  months(): number[] {
    if (!this.index) {
      const scratch = this.write !== this.prefix ? readJson<Index>(this.run.host, `${this.write}/index`).value : null;
      const real = scratch ?? readJson<Index>(this.run.host, `${this.prefix}/index`).value;
      this.index = new Set(real?.months ?? []);
    }
    return [...this.index].sort((a, b) => a - b);
  }

  get(m: number): HistoryState {
    let st = this.cache.get(m);
    if (!st) {
      const host = this.run.host;
      const text = (this.write !== this.prefix ? loadBlob(host, this.shardKey(this.write, m)) : null) ?? loadBlob(host, this.shardKey(this.prefix, m));
      st = text ? loadHistory(text, `history state ${m}`) : emptyHistoryState();
      this.cache.set(m, st);
    }
    return st;
  }

  /** The shard of month m, to be changed (saved at the next checkpoint). */
  edit(m: number): HistoryState {
    const st = this.get(m);
    this.dirty.add(m);
    this.months();
    if (!this.index!.has(m)) { this.index!.add(m); this.indexDirty = true; }
    return st;
  }

  /** Learns a page of plays into their months; returns the months touched. */
  learn(local: readonly LibraryEntry[], remote: readonly TraktHistoryEntry[]): Set<number> {
    const byMonth = new Map<number, { l: LibraryEntry[]; r: TraktHistoryEntry[] }>();
    const slot = (m: number) => {
      let b = byMonth.get(m);
      if (!b) byMonth.set(m, (b = { l: [], r: [] }));
      return b;
    };
    for (const e of local) if (e && typeof e.at_ms === 'number' && e.at_ms >= 0) slot(monthOf(e.at_ms)).l.push(e);
    for (const e of remote) {
      const t = e && typeof e.watched_at === 'string' ? Date.parse(e.watched_at) : NaN;
      if (t >= 0) slot(monthOf(t)).r.push(e);
    }
    for (const [m, b] of byMonth) learnPlays(this.edit(m), b.l, b.r);
    return new Set(byMonth.keys());
  }

  /** Applies a commit (exported, imported, refused) to the plays' months. */
  commit<T>(plays: readonly T[], timeOf: (p: T) => number | undefined, fn: (st: HistoryState, plays: T[]) => void): void {
    const byMonth = new Map<number, T[]>();
    for (const p of plays) {
      const t = timeOf(p);
      if (typeof t !== 'number' || !(t >= 0)) continue;
      const m = monthOf(t);
      const list = byMonth.get(m) ?? [];
      list.push(p);
      byMonth.set(m, list);
    }
    for (const [m, list] of byMonth) fn(this.edit(m), list);
  }

  /** A working copy of the months `from`..`to` and one month either side. */
  window(from: number, to: number): HistoryState {
    const out = emptyHistoryState();
    const have = new Set(this.months());
    for (let m = from - 1; m <= to + 1; m++) if (have.has(m)) absorbHistory(out, this.get(m));
    return out;
  }

  save(): void {
    if (this.run.job.dryRun && this.write === this.prefix) return;
    for (const m of this.dirty) saveBlob(this.run.host, this.shardKey(this.write, m), saveHistory(this.cache.get(m)!));
    this.dirty.clear();
    if (this.indexDirty) {
      writeJson(this.run.host, `${this.write}/index`, { months: this.months() } satisfies Index);
      this.indexDirty = false;
    }
  }
}
