// Hook fuzzing on the real plugin.wasm (in-process host, Trakt simulator in process): each
// case is one call; then a valid call must still work and find the user's state.
import fc from 'fast-check';
import { RevengeHost, hookOutputProblem } from '../../host-stubs/index.mjs';
import { TraktSimulator } from '../../host-stubs/trakt-sim/index.mjs';
import { handleRequest } from '../../host-stubs/trakt-sim/server.mjs';
import { CLIENT, DIST, START } from '../simulation/world.mjs';
import { FIELD_WORDS, USER, fuzzCase } from './arbitraries.mjs';

const HOOK_OF = { on_playback: 'playback', on_rating: 'rating', on_watchlist: 'watchlist', on_tick: 'tick', on_action: 'action' };

/** A host with one connected user, `fz`. */
export async function fuzzHost() {
  let host;
  const sim = new TraktSimulator({ clock: () => host.clock.now() });
  let n = 0;
  host = await RevengeHost.load(DIST, {
    startMs: START, secretKey: 'c'.repeat(64), runInWorker: false,
    inProcessHttp: (r) => handleRequest(sim, { method: r.method, url: r.path, headers: r.headers, body: r.body }),
    randomBytes: (k) => Uint8Array.from({ length: k }, () => (n = (n * 1103515245 + 12345) >>> 0) >>> 24),
  });
  sim.addClient(CLIENT);
  sim.addUser({ username: USER });
  sim.seedCatalog({ movies: [{ title: 'Inception', year: 2010, runtime: 148, ids: { trakt: 16662, imdb: 'tt1375666', tmdb: 27205 } }], shows: [{ title: 'Breaking Bad', year: 2008, ids: { trakt: 1388, tmdb: 1396, imdb: 'tt0903747', tvdb: 81189 }, seasons: [{ number: 1, episodes: [{ number: 1, title: 'Pilot', ids: { trakt: 73482, tmdb: 62085, tvdb: 349232 } }] }] }] });
  host.library.seed({ users: [USER], movies: [{ title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } }] });
  host.setServerSettings({ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
  const out = await host.action('connect', { userId: USER });
  sim.approveDevice(out.data.user_code, USER);
  await host.advance(6_000);
  const st = await host.action('status', { userId: USER });
  if (st.data.connection !== 'connected') throw new Error(`fuzz host: not connected (${st.message})`);
  return { host, sim, probes: 0, stats: { cases: 0, errors: 0, traps: 0, byHook: {} } };
}

/**
 * Runs one case; returns the problem found, or null.
 * @param {Awaited<ReturnType<typeof fuzzHost>>} h @param {{ hook: string, input: any }} c
 */
export async function runCase(h, c) {
  const { host } = h;
  host.clock.set(host.clock.now() + 2_500);
  h.stats.cases++;
  h.stats.byHook[c.hook] = (h.stats.byHook[c.hook] ?? 0) + 1;
  const text = c.input && typeof c.input === 'object' && 'raw' in c.input && Object.keys(c.input).length === 1 ? c.input.raw : JSON.stringify(c.input);
  const userId = c.input && typeof c.input === 'object' && typeof c.input.user_id === 'string' ? c.input.user_id : undefined;
  try {
    const out = await host.callExport(c.hook, text, { userId });
    let parsed;
    try { parsed = JSON.parse(out); } catch { return `${c.hook} output is not JSON: ${out.slice(0, 100)}`; }
    const problem = hookOutputProblem(HOOK_OF[c.hook], parsed);
    if (problem) return `${c.hook}: ${problem}`;
  } catch (e) {
    if (e?.name !== 'PluginCallError') throw e;
    h.stats.errors++;
    if (e.trap) { h.stats.traps++; return `${c.hook} trapped: ${e.message.slice(0, 200)}`; }
    if (e.code === 'timeout') return `${c.hook} ran past the time limit`;
    if (!FIELD_WORDS.test(e.message)) return `${c.hook} error names no field: ${JSON.stringify(e.message.slice(0, 200))}`;
  }
  // The next valid call works and finds the user still connected.
  host.clock.set(host.clock.now() + 2_500);
  const probe = { event_id: `probe-${++h.probes}`, user_id: USER, session_id: `probe-${h.probes}`, state: 'start', position_ms: 0, duration_ms: 6_000_000, occurred_at: new Date(host.clock.now()).toISOString(), item: { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } } };
  try {
    const out = await host.deliver('playback', probe);
    if (out.status === 'ignored') return `after ${c.hook}, a valid playback start was ignored: ${out.detail}`;
  } catch (e) {
    return `after ${c.hook}, a valid playback start failed: ${e.message.slice(0, 200)}`;
  }
  return null;
}

/** fast-check property over `runs` cases. Throws fast-check's report (seed, path, counterexample) on failure. */
export async function fuzz({ runs, seed = 42, h }) {
  h ??= await fuzzHost();
  await fc.assert(fc.asyncProperty(fuzzCase, async (c) => {
    const problem = await runCase(h, c);
    if (problem) throw new Error(problem);
  }), { numRuns: runs, seed, endOnFailure: true });
  return h;
}
