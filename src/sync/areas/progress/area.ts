// Resume points, both ways: the library's (kind "progress") against Trakt's paused
// playbacks, three-way against a base (src/sync/progress.ts). Steps, each resumable:
//   local   the library's resume points, all of them (a removal is only an absence; there
//           are few: one per item stopped part way);
//   remote  Trakt's playbacks (movies, then episodes) when last_activities' paused_at
//           moved, on a deep sync, or with no state yet; else the state's last view;
//   plays   the library's plays since the oldest resume point on either side: a play newer
//           than a resume point is a finished watch, which clears it on both sides;
//   plan    the merge, exclusions applied (an excluded item is left as it is);
//   apply   library_apply (set_progress / remove_progress), committed as it goes;
//   send    one Trakt write per call (run.call): a pause scrobble at the resume point's
//           progress (that is how Trakt fills playback; it dates it itself), or
//           DELETE /sync/playback/{id} (a 404 means it is gone already).
import { TRAKT, pathOf } from '../../../trakt/endpoints.js';
import type { Endpoint } from '../../../contract/areas.js';
import type { LibraryEntry } from '../../../host/api.js';
import type { MediaItem, Playable } from '../../../schemas/media.js';
import {
  commitLocalResume, commitRemoteResume, emptyResumeState, loadResume, planResume, refuseLocalResume, resumeTimes, saveResume,
  type LocalResumeOp, type RemoteResumeOp, type ResumeState, type TraktPlayback,
} from './plan.js';
import { ItemIndex } from '../../merge/item-index.js';
import { dropReleased, holdRefused, peekReleased } from '../../../arrivals/held.js';
import { scrobbleItem } from '../../../trakt/items.js';
import { compressJson, decompressJson } from '../../../codec/compress.js';
import { onStop, type Outcome, defineArea } from '../../core/area.js';
import { appendList, deleteBlob, loadBlob, readList, saveBlob } from '../../core/blob.js';
import { excluded } from '../../core/filters.js';
import { syncKey, type AreaJob, type JobFilters } from '../../core/job.js';
import { libraryCursor, libraryPage, traktCursor, traktPage, type LibraryCursor, type TraktCursor } from '../../core/paging.js';
import type { Run } from '../../core/run.js';

const READ = [{ method: 'GET', path: '/sync/playback/movies', paged: true }, { method: 'GET', path: '/sync/playback/episodes', paged: true }] as const;
const LISTS = READ.map((e) => e.path);
const CHUNK = 1000;

interface S {
  step: 'start' | 'local' | 'remote' | 'plays' | 'plan' | 'apply' | 'send';
  readRemote: boolean;
  local: LibraryCursor; localCount: number;
  remote: TraktCursor; remoteCount: number;
  plays: LibraryCursor; playsCount: number; playsSince: number | null;
  localIdx: number; remoteIdx: number; locals: number; remotes: number;
}

interface Ops { local: LocalResumeOp[]; remote: RemoteResumeOp[] }

const key = (run: Run, part: string) => syncKey(run.userId, `progress/${part}`);

/** The state and the text it was loaded from (an unchanged state is not written again). */
function loadState(run: Run): ResumeState & { text?: string } {
  const text = loadBlob(run.host, key(run, 'state'));
  return text ? { ...loadResume(text), text } : emptyResumeState();
}
const saveState = (run: Run, st: ResumeState & { text?: string }) => {
  if (run.job.dryRun) return;
  const text = saveResume(st);
  if (text !== st.text) saveBlob(run.host, key(run, 'state'), text);
};

function start(run: Run, a: AreaJob, s: S): Outcome {
  const fresh = run.host.kvGet(`${key(run, 'state')}/head`).value === null;
  s.readRemote = a.remoteChanged || fresh;
  for (const part of ['local', 'remote', 'plays', 'ops']) deleteBlob(run.host, key(run, part));
  s.step = 'local';
  return 'next';
}

function readLocal(run: Run, s: S): Outcome {
  const r = libraryPage(run, { kind: 'progress' }, s.local);
  if (r.kind === 'done') { s.step = s.readRemote ? 'remote' : 'plays'; return 'next'; }
  s.localCount = appendList(run.host, key(run, 'local'), s.localCount, r.entries.filter((e) => e?.item).map((e) => ({ item: e.item, at_ms: e.at_ms, progress: e.progress })));
  return 'next';
}

/** A playback entry with only what identity and the merge need. */
function compact(e: any): TraktPlayback | null {
  if (!e || typeof e !== 'object') return null;
  const ids = (x: any) => (x && typeof x === 'object' && x.ids && typeof x.ids === 'object' ? x.ids : {});
  const base = { progress: e.progress, paused_at: e.paused_at, id: e.id };
  if (e.type === 'movie' && e.movie) return { ...base, type: 'movie', movie: { ids: ids(e.movie) } };
  if (e.type === 'episode' && e.episode && e.show) return { ...base, type: 'episode', episode: { season: e.episode.season, number: e.episode.number, ids: ids(e.episode) }, show: { title: e.show.title, ids: ids(e.show) } };
  return null;
}

function readRemote(run: Run, a: AreaJob, s: S): Outcome {
  const r = traktPage(run, LISTS, s.remote);
  if (r.kind === 'stop') return onStop(run, a, r.stop);
  if (r.kind === 'done') { s.step = 'plays'; return 'next'; }
  if (r.kind === 'restart') { s.remoteCount = 0; return 'next'; }
  s.remoteCount = appendList(run.host, key(run, 'remote'), s.remoteCount, r.entries.map(compact).filter((e) => !!e));
  return 'next';
}

function readPlays(run: Run, s: S): Outcome {
  if (s.playsSince === null) {
    const local = readList<LibraryEntry>(run.host, key(run, 'local'), 0, s.localCount);
    const remote = s.readRemote ? readList<TraktPlayback>(run.host, key(run, 'remote'), 0, s.remoteCount) : [];
    const times = resumeTimes({ local, remote });
    if (!s.readRemote) for (const x of loadState(run).items.entries()) if (x.value.r) times.push(x.value.r.at);
    if (!times.length) { s.step = 'plan'; return 'next'; }
    s.playsSince = Math.min(...times);
  }
  const r = libraryPage(run, { kind: 'history', since_ms: s.playsSince }, s.plays);
  if (r.kind === 'done') { s.step = 'plan'; return 'next'; }
  s.playsCount = appendList(run.host, key(run, 'plays'), s.playsCount, r.entries.filter((e) => e?.item).map((e) => ({ item: e.item, at_ms: e.at_ms })));
  return 'next';
}

function plan(run: Run, a: AreaJob, s: S, f: JobFilters): Outcome {
  const st = loadState(run);
  // Items the library gained (hook `library`): Trakt's resume points it refused are offered again.
  const released = run.job.dryRun ? null : peekReleased(run.host, run.userId, 'progress');
  for (const item of released?.items ?? []) { const r = st.items.find(item)?.value.r; if (r) delete r.nl; }
  const plays = new ItemIndex<number>();
  for (const p of readList<LibraryEntry>(run.host, key(run, 'plays'), 0, s.playsCount)) {
    const e = plays.find(p.item);
    if (!e) plays.add(p.item, p.at_ms);
    else if (p.at_ms > e.value) e.value = p.at_ms;
  }
  const p = planResume({
    state: st,
    local: readList<LibraryEntry>(run.host, key(run, 'local'), 0, s.localCount),
    remote: s.readRemote ? readList<TraktPlayback>(run.host, key(run, 'remote'), 0, s.remoteCount) : null,
    lastPlay: (item) => plays.get(item) ?? 0,
    direction: a.direction,
  });
  const keep = (item: MediaItem) => !excluded(f, item);
  const ops: Ops = { local: p.toLocal.filter((o) => keep(o.change.item)), remote: p.toRemote.filter((o) => keep(o.item)) };
  const rep = a.report;
  rep.toLocal = ops.local.filter((o) => o.change.op === 'set_progress').length;
  rep.removeLocal = ops.local.length - rep.toLocal;
  rep.toRemote = ops.remote.filter((o) => o.op === 'pause').length;
  rep.removeRemote = ops.remote.length - rep.toRemote;
  for (const part of ['local', 'remote', 'plays']) deleteBlob(run.host, key(run, part));
  if (run.job.dryRun) return 'done';
  saveState(run, st);
  saveBlob(run.host, key(run, 'ops'), compressJson(ops));
  s.locals = ops.local.length;
  s.remotes = ops.remote.length;
  s.step = 'apply';
  run.checkpoint();
  if (released) dropReleased(run.host, run.userId, 'progress');
  return 'next';
}

function loadOps(run: Run): Ops {
  const text = loadBlob(run.host, key(run, 'ops'));
  if (!text) throw new Error('progress plan: missing from the store');
  return decompressJson<Ops>(text, 'progress plan');
}

function apply(run: Run, a: AreaJob, s: S): Outcome {
  if (s.localIdx >= s.locals) { s.step = 'send'; return 'next'; }
  const chunk = loadOps(run).local.slice(s.localIdx, s.localIdx + CHUNK);
  run.spend();
  const results = run.host.libraryApply(run.userId, chunk.map((o) => o.change));
  const ok = chunk.filter((_, i) => results[i]?.ok);
  const st = loadState(run);
  commitLocalResume(st, ok);
  refuseLocalResume(st, chunk.filter((_, i) => !results[i]?.ok));
  holdRefused(run.host, run.userId, 'progress', chunk.filter((_, i) => !results[i]?.ok && chunk[i]!.change.op === 'set_progress').map((o) => ({ item: o.change.item })));
  saveState(run, st);
  a.report.sentLocal += ok.length;
  a.report.notInLibrary += chunk.length - ok.length;
  s.localIdx += chunk.length;
  run.checkpoint();
  return 'next';
}

function send(run: Run, a: AreaJob, s: S): Outcome {
  if (s.remoteIdx >= s.remotes) { deleteBlob(run.host, key(run, 'ops')); return 'done'; }
  const op = loadOps(run).remote[s.remoteIdx]!;
  const r = op.op === 'pause'
    ? run.call<any>('POST', pathOf(TRAKT.scrobble, { action: 'pause' }), { ...scrobbleItem(op.item as Playable), progress: op.progress })
    : run.call<any>('DELETE', pathOf(progress.endpoints.remove as Endpoint, { id: op.id }));
  const gone = !r.ok && r.f?.kind === 'not_found';
  if (!r.ok && !gone) return onStop(run, a, r);
  if (gone && op.op === 'pause') a.report.notFound++;
  else {
    const st = loadState(run);
    commitRemoteResume(st, op, { id: r.ok ? r.body?.id : undefined, at: run.now() });
    saveState(run, st);
    a.report.sentRemote++;
  }
  s.remoteIdx++;
  run.job.progress = { label: 'resume points: sending to Trakt', done: s.remoteIdx, total: s.remotes };
  run.checkpoint();
  return { yield: 'waiting for the next write slot' };
}

/** Resume points both ways: the later pause wins, a finished watch clears both sides. */
export const progress = defineArea({
  name: 'progress',
  setting: {
    key: 'sync_progress', default: 'off', directions: ['off', 'import', 'export', 'both'], title: 'Resume points',
    description: 'Where you stopped part way through a movie or episode. The later pause wins; watching to the end clears it on both sides.',
  },
  endpoints: { read: READ, remove: { method: 'DELETE', path: '/sync/playback/:id' } },
  paths: ['/sync/playback'],
  activities: [['movies', 'paused_at'], ['episodes', 'paused_at']],
  limit: null,
  libraryKind: 'progress',
  init: () => ({
    step: 'start', readRemote: false, local: libraryCursor(), localCount: 0, remote: traktCursor(), remoteCount: 0,
    plays: libraryCursor(), playsCount: 0, playsSince: null, localIdx: 0, remoteIdx: 0, locals: 0, remotes: 0,
  } satisfies S),
  // The library's side is read in full every sync (a removal is an absence): never idle.
  // It costs no Trakt request unless Trakt's paused_at moved.
  idle: () => false,
  step(run, a, f) {
    const s = a.s as S;
    switch (s.step) {
      case 'start': return start(run, a, s);
      case 'local': return readLocal(run, s);
      case 'remote': return readRemote(run, a, s);
      case 'plays': return readPlays(run, s);
      case 'plan': return plan(run, a, s, f);
      case 'apply': return apply(run, a, s);
      case 'send': return send(run, a, s);
    }
  },
  cleanup(run) {
    for (const part of ['local', 'remote', 'plays', 'ops']) deleteBlob(run.host, key(run, part));
  },
});
