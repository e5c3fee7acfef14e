// matchImpl and clearMatchImpl in Node against the simulator's look-ups: a good id is
// checked on Trakt and used from then on; a wrong or unknown one changes nothing.
import { describe, expect, it } from 'vitest';
import { clearMatchImpl, matchImpl } from './match.js';
import { playbackImpl } from './playback.js';
import { makeWorld } from '../host/world.test-util.js';

const unknown = { type: 'movie' as const, title: 'Inceptoin', year: 2010, ids: { tmdb: 999_999 } };

describe('matchImpl', () => {
  it('a Trakt URL fixes the match; scrobbles use it; clear_match removes it', () => {
    const w = makeWorld();
    const out = matchImpl(w.host, 'alice', unknown, { query: 'https://trakt.tv/movies/inception-2010' });
    expect(out).toMatchObject({ ok: true, data: { ids: { trakt: 16662 } } });
    playbackImpl({ event_id: 'e', user_id: 'alice', session_id: 's', state: 'start', position_ms: 0, duration_ms: 100, occurred_at: new Date(w.host.now).toISOString(), item: unknown }, w.host);
    expect(w.sim.watching('alice')?.movie?.title).toBe('Inception');
    expect(clearMatchImpl(w.host, 'alice', unknown).message).toContain('removed');
    expect(clearMatchImpl(w.host, 'alice', unknown).message).toContain('has no manual match');
  });

  it('an empty, unreadable or unknown query changes nothing and says why', () => {
    const w = makeWorld();
    expect(matchImpl(w.host, 'alice', unknown, {})).toMatchObject({ ok: false, message: expect.stringContaining('Give a Trakt URL') });
    expect(matchImpl(w.host, 'alice', unknown, { query: '%%%' })).toMatchObject({ ok: false, message: expect.stringContaining('is not a Trakt URL') });
    expect(matchImpl(w.host, 'alice', unknown, { query: 'tt9999999' })).toMatchObject({ ok: false, message: expect.stringMatching(/^Nothing changed/) });
    expect([...w.host.kv.keys()].filter((k) => k.includes('/match/'))).toEqual([]);
  });

  it('needs a connection: the match is checked on Trakt', () => {
    expect(matchImpl(makeWorld({ connected: false }).host, 'alice', unknown, { query: 'tt1375666' })).toMatchObject({ ok: false, message: expect.stringContaining('Connect Trakt first') });
  });
});
