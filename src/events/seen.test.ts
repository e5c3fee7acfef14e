import { describe, expect, it } from 'vitest';
import { FakeHost } from '../host/fake.js';
import { keys } from '../state/keys.js';
import { MAX_CHARS, RETAIN_DAYS, addHash, eventHash, hasHash, markSeen, wasSeen } from './seen.js';

const DAY = 86_400_000;

describe('redelivery guard', () => {
  it('forgets ordinary events after 500 others, but an account-changing one only after 14 days', () => {
    const host = new FakeHost();
    markSeen(host, 'u', 'stop-1', true);
    markSeen(host, 'u', 'progress-1');
    for (let i = 0; i < 600; i++) markSeen(host, 'u', `other-${i}`);
    expect(wasSeen(host, 'u', 'progress-1')).toBe(false);
    expect(wasSeen(host, 'u', 'stop-1')).toBe(false); // not in the recent list any more
    expect(wasSeen(host, 'u', 'stop-1', true)).toBe(true);
    host.advance(14 * DAY);
    markSeen(host, 'u', 'stop-2', true);
    expect(wasSeen(host, 'u', 'stop-1', true)).toBe(true);
    host.advance(2 * DAY);
    markSeen(host, 'u', 'stop-3', true);
    expect(wasSeen(host, 'u', 'stop-1', true)).toBe(false);
    expect(wasSeen(host, 'u', 'stop-2', true)).toBe(true);
  });

  it('a hash only matches at a hash boundary', () => {
    const joined = eventHash('a') + eventHash('b');
    expect(hasHash(joined, eventHash('b'))).toBe(true);
    expect(hasHash(joined, joined.slice(6, 18))).toBe(false);
    expect(hasHash(joined.slice(1), eventHash('b').slice(0))).toBe(false);
  });

  it('stays within MAX_CHARS, dropping the oldest hashes first', () => {
    let b: Array<[number, string]> = [];
    const per = Math.ceil(MAX_CHARS / 12 / 10);
    for (let day = 0; day < 12; day++) for (let i = 0; i < per; i++) b = addHash(b, day, eventHash(`${day}-${i}`));
    const total = b.reduce((n, [, s]) => n + s.length, 0);
    expect(total).toBeLessThanOrEqual(MAX_CHARS);
    expect(total % 12).toBe(0);
    expect(b[b.length - 1]![1]).toContain(eventHash(`11-${per - 1}`));
    expect(b[0]![0]).toBeGreaterThan(0);
  });

  it('keeps 14 full days: buckets go only when wholly older than RETAIN_DAYS', () => {
    let b: Array<[number, string]> = [];
    b = addHash(b, 100, eventHash('x'));
    b = addHash(b, 100 + RETAIN_DAYS - 1, eventHash('y'));
    expect(b.map(([d]) => d)).toEqual([100, 100 + RETAIN_DAYS - 1]);
    b = addHash(b, 100 + RETAIN_DAYS, eventHash('z'));
    expect(b.map(([d]) => d)).toEqual([100 + RETAIN_DAYS - 1, 100 + RETAIN_DAYS]);
  });

  it('a KV conflict from a concurrent writer is retried, nothing is lost', () => {
    const host = new FakeHost();
    markSeen(host, 'u', 'first', true);
    host.fail('kv_set', 'conflict', 1, keys.seenLong('u'));
    markSeen(host, 'u', 'second', true);
    expect(wasSeen(host, 'u', 'first', true) && wasSeen(host, 'u', 'second', true)).toBe(true);
  });
});
