import { describe, expect, it } from 'vitest';
import { starsToTrakt, starsToTraktOr0, traktToStars } from './rating-scale.js';

describe('rating scales', () => {
  it('is exact both ways for every half step', () => {
    const stars = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];
    expect(stars.map(starsToTrakt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let t = 1; t <= 10; t++) {
      expect(traktToStars(t)).toBe(stars[t - 1]);
      expect(starsToTrakt(traktToStars(t))).toBe(t);
    }
    // computed half steps (0.1 + 0.4 style arithmetic) still land exactly
    expect(starsToTrakt(0.5 * 7)).toBe(7);
  });

  it('names the bad value', () => {
    expect(() => starsToTrakt(0)).toThrow('rating: expected 0.5 to 5 stars in steps of 0.5, got 0');
    expect(() => starsToTrakt(3.3)).toThrow('got 3.3');
    expect(() => starsToTrakt(5.5)).toThrow('got 5.5');
    expect(() => starsToTrakt(NaN)).toThrow('got NaN');
    expect(() => starsToTrakt('4' as unknown as number)).toThrow('got "4"');
    expect(() => traktToStars(0)).toThrow('rating: expected a Trakt rating 1 to 10 (whole number), got 0');
    expect(() => traktToStars(7.5)).toThrow('got 7.5');
    expect(() => traktToStars(11)).toThrow('got 11');
    expect(starsToTraktOr0(2.25)).toBe(0);
    expect(starsToTraktOr0(null)).toBe(0);
    expect(starsToTraktOr0(2.5)).toBe(5);
  });
});
