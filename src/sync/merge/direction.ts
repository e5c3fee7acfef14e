// Which way a sync area runs (a user setting per area).
//   both:   two-way;  export: library -> Trakt only;  import: Trakt -> library only;
//   off:    nothing is written (the merge still learns what it sees).
import type { Direction } from '../../contract/areas.js';

export type { Direction };

/** Whether a direction writes to Trakt. */
export function writesRemote(d: Direction): boolean { return d === 'both' || d === 'export'; }
/** Whether a direction writes to the library. */
export function writesLocal(d: Direction): boolean { return d === 'both' || d === 'import'; }
