// Rating scales: the library rates 0.5..5 stars in steps of 0.5, Trakt 1..10 integers.
// trakt = stars * 2 and stars = trakt / 2 are exact in binary floating point both ways
// (every half step is a dyadic fraction), so no rounding is ever needed or done.

/** Stars (0.5..5, step 0.5) -> Trakt (1..10). Throws a RangeError naming the bad value. */
export function starsToTrakt(stars: number): number {
  const t = stars * 2;
  if (typeof stars !== 'number' || !Number.isInteger(t) || t < 1 || t > 10) {
    throw new RangeError(`rating: expected 0.5 to 5 stars in steps of 0.5, got ${describe(stars)}`);
  }
  return t;
}

/** Trakt (1..10 integer) -> stars (0.5..5). Throws a RangeError naming the bad value. */
export function traktToStars(rating: number): number {
  if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 10) {
    throw new RangeError(`rating: expected a Trakt rating 1 to 10 (whole number), got ${describe(rating)}`);
  }
  return rating / 2;
}

/** starsToTrakt without throwing: 0 for anything that is not a valid star rating. */
export function starsToTraktOr0(stars: unknown): number {
  if (typeof stars !== 'number') return 0;
  const t = stars * 2;
  return Number.isInteger(t) && t >= 1 && t <= 10 ? t : 0;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
