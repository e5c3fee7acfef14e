// The chart's counts: per UTC day, bounded to the last 30 days, zeros for quiet days.
import { describe, expect, it } from 'vitest';
import { FakeHost } from '../host/fake.js';
import { DAILY_DAYS, countDaily, countSyncPlays, loadDaily } from './daily.js';
import { keys } from './keys.js';
import { emptyReport } from '../sync/core/job.js';

const DAY = 86_400_000;

describe('daily counts', () => {
  it('adds per day, keeps 30 days, and a dry run counts nothing', () => {
    const h = new FakeHost({ now: Date.UTC(2026, 0, 1, 12) });
    countDaily(h, 'u', 'sent', 2);
    countDaily(h, 'u', 'received', 0); // nothing: no write
    h.advance(DAY);
    countSyncPlays(h, 'u', { dryRun: false, report: { history: { ...emptyReport(), sentRemote: 3, sentLocal: 4 } } });
    countSyncPlays(h, 'u', { dryRun: true, report: { history: { ...emptyReport(), sentRemote: 9, sentLocal: 9 } } });
    let rows = loadDaily(h, 'u');
    expect(rows).toHaveLength(DAILY_DAYS);
    expect(rows.slice(-2)).toEqual([{ day: '2026-01-01', sent: 2, received: 0 }, { day: '2026-01-02', sent: 3, received: 4 }]);
    h.advance(40 * DAY);
    countDaily(h, 'u', 'sent', 1);
    rows = loadDaily(h, 'u');
    expect(rows.filter((r) => r.sent || r.received)).toEqual([{ day: '2026-02-11', sent: 1, received: 0 }]);
    expect(Object.keys(JSON.parse(h.kvGet(keys.daily('u')).value!))).toEqual(['2026-02-11']); // old days are gone from KV
  });
});
