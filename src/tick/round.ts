// The interval tick's round over the connected users, as pure arithmetic. A round starts
// at an interval tick where the last one stopped (a cursor over the user index), and is
// walked in slices: each slice hands the next users' work to their own wake-ups, spread
// with a jitter over the slice, so the whole round ends well inside the interval and at
// most one slice's users wait as wake-ups at a time (the host allows 1000 per plugin).

/** The round in KV (keys.tickRound): where the walk is and how far it has to go. */
export interface Round {
  /** The interval tick that started it (ms). */
  startedAt: number;
  /** Every user's wake-up is due before this: startedAt + SPREAD of the interval. */
  endsAt: number;
  /** The last user index key handed on ('' = before the first). */
  after: string;
  /** Users in the index when the round started, and how many were walked since. */
  total: number;
  walked: number;
}

/** The contract's shortest interval: a measured interval below it is two nodes ticking at once. */
export const MIN_INTERVAL_MS = 60_000;
/** The manifest's tick.intervalSeconds: the guess until two interval ticks were seen. A
 *  shorter real interval only makes the first round run into the second, which goes on
 *  from its cursor with the users left first. */
export const DEFAULT_INTERVAL_MS = 900_000;
/** Share of the interval the wake-ups are spread over; the rest is slack for late calls. */
export const SPREAD = 0.7;
/** One slice of the walk: its users' wake-ups are spread over this much time. */
export const SLICE_MS = 30_000;

/** The interval between ticks, measured from the last round's start; the manifest's until known. */
export function intervalOf(prev: Round | null, now: number): number {
  if (!prev) return DEFAULT_INTERVAL_MS;
  const d = now - prev.startedAt;
  return d >= MIN_INTERVAL_MS && d <= 86_400_000 ? d : DEFAULT_INTERVAL_MS;
}

/** A new round at an interval tick: it continues from where the last walk stopped. */
export function newRound(prev: Round | null, now: number, total: number): Round {
  const interval = intervalOf(prev, now);
  return { startedAt: now, endsAt: now + Math.floor(interval * SPREAD), after: prev?.after ?? '', total, walked: 0 };
}

/** How many users this slice takes: the rest shared evenly over the slices left. */
export function sliceQuota(r: Round, now: number): number {
  const left = r.total - r.walked;
  if (left <= 0) return 0;
  const slices = Math.max(1, Math.floor((r.endsAt - now) / SLICE_MS));
  return Math.ceil(left / slices);
}

/** When a user's wake-up is due: a jitter over the slice, never past the round's end. */
export function slotAt(r: Round, now: number, rand: number): number {
  const width = Math.max(0, Math.min(SLICE_MS, r.endsAt - now));
  return now + Math.floor(rand * width);
}
