import { describe, expect, it } from 'vitest';
import { LIMITS, emptyRate, nextAllowed, note429, noteCall, noteSuccess, retryAfterMs } from './limiter.js';

const T0 = 1_780_000_000_000;

describe('rate limiter', () => {
  it('spaces writes by more than one second and leaves GETs alone', () => {
    let s = noteCall(emptyRate(), 'POST', T0);
    expect(nextAllowed(s, 'POST', T0 + 500)).toBe(T0 + LIMITS.writeSpacingMs);
    expect(nextAllowed(s, 'GET', T0 + 500)).toBe(T0 + 500);
    expect(nextAllowed(s, 'DELETE', T0 + 2000)).toBe(T0 + 2000);
  });

  it('keeps GETs under the budget within any 5 minutes', () => {
    let s = emptyRate();
    let now = T0;
    const sent: number[] = [];
    for (let i = 0; i < 2000; i++) {
      now = nextAllowed(s, 'GET', now);
      s = noteCall(s, 'GET', now);
      sent.push(now);
    }
    // Trakt's own rule, checked on the real times: never 500 in a rolling 300 s.
    for (let i = 0; i + 500 <= sent.length; i++) expect(sent[i + 499]! - sent[i]!).toBeGreaterThanOrEqual(300_000);
    expect(s.gets.length).toBeLessThanOrEqual(31);
  });

  it('honours Retry-After, then X-Ratelimit until, else backs off with jitter', () => {
    expect(retryAfterMs({ 'retry-after': '30' }, T0)).toBe(30_000);
    const until = new Date(T0 + 42_000).toISOString();
    expect(retryAfterMs({ 'x-ratelimit': JSON.stringify({ name: 'AUTHED_API_POST_LIMIT', until }) }, T0)).toBe(42_000);
    expect(retryAfterMs({ 'x-ratelimit': '{broken' }, T0)).toBeNull();
    let s = note429(emptyRate(), { 'retry-after': '30' }, T0, 0.9);
    expect(nextAllowed(s, 'GET', T0)).toBe(T0 + 30_000);
    expect(nextAllowed(s, 'POST', T0 + 29_999)).toBe(T0 + 30_000);
    s = note429(emptyRate(), {}, T0, 0);
    expect(s.blockedUntil).toBe(T0 + 2_500);
    s = note429(s, {}, T0, 0.999);
    expect(s.blockedUntil - T0).toBeGreaterThan(9_900);
    expect(s.blockedUntil - T0).toBeLessThanOrEqual(10_000);
    for (let i = 0; i < 20; i++) s = note429(s, {}, T0, 0.999);
    expect(s.blockedUntil - T0).toBeLessThanOrEqual(LIMITS.backoffMaxMs);
    expect(noteSuccess(s).strikes).toBe(0);
  });
});

describe('rate limiter: the host clock steps back (issue 19, finding 6)', () => {
  it('a write slot an hour ahead is a clock step, not a wait; a slot within its spacing still holds', () => {
    const s = noteCall(emptyRate(), 'POST', T0);
    expect(nextAllowed(s, 'POST', T0 - 3_600_000)).toBe(T0 - 3_600_000);
    expect(nextAllowed(s, 'POST', T0 + 100)).toBe(T0 + LIMITS.writeSpacingMs);
    expect(noteCall(s, 'POST', T0 - 3_600_000).writeAt).toBe(T0 - 3_600_000 + LIMITS.writeSpacingMs);
  });

  it('GETs counted on the old clock do not hold the new one back', () => {
    let s = emptyRate();
    for (let i = 0; i < LIMITS.getBudget; i++) s = noteCall(s, 'GET', T0 + i);
    expect(nextAllowed(s, 'GET', T0 + 1_000)).toBeGreaterThan(T0 + 1_000);
    expect(nextAllowed(s, 'GET', T0 - 3_600_000)).toBe(T0 - 3_600_000);
  });
});
