// Which inputs of a sync POST Trakt listed under `not_found` (by the matching rule).
import { sameItem, traktView } from '../merge/index.js';
import type { MediaItem } from '../../schemas/media.js';

/** Which of the sent items a Trakt write answer lists under not_found. */
export function notFoundIndices(body: any, sent: ReadonlyArray<{ item: MediaItem }>): Set<number> {
  const out = new Set<number>();
  const nf = body?.not_found;
  if (!nf || typeof nf !== 'object') return out;
  const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
  const listed: any[] = [
    ...arr(nf.movies).map((m: any) => ({ type: 'movie', movie: m })),
    ...arr(nf.episodes).map((e: any) => ({ type: 'episode', episode: { season: 0, number: 0, ...e }, show: { ids: {} } })),
  ];
  for (const s of arr(nf.shows)) for (const se of arr(s?.seasons)) for (const ep of arr(se?.episodes)) listed.push({ type: 'episode', show: s, episode: { season: se.number, number: ep.number, ids: {} } });
  sent.forEach((p, i) => {
    for (const l of listed) {
      const v = traktView(l);
      if (v && sameItem(v, p.item)) { out.add(i); break; }
    }
  });
  return out;
}
