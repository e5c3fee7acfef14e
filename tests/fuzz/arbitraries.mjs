// fast-check arbitraries for every hook's input: valid events, near-valid ones (one field
// of a valid event changed: removed, wrong type, huge or negative number, long string,
// deep nesting, odd Unicode) and hostile ones (any JSON, not JSON, not an object).
import fc from 'fast-check';

export const USER = 'fz';
const movie = { type: 'movie', title: 'Inception', year: 2010, ids: { tmdb: 27205, imdb: 'tt1375666' } };
const episode = {
  type: 'episode', title: 'Pilot', season: 1, number: 1, ids: { tmdb: 62085, tvdb: 349232 },
  show: { title: 'Breaking Bad', year: 2008, ids: { tmdb: 1396, imdb: 'tt0903747', tvdb: 81189 } },
};

const item = fc.constantFrom(movie, episode);
const iso = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((t) => new Date(t).toISOString());
const eventId = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `e-${s}`);

/** Valid inputs of each hook. User-scope actions never disconnect (that would wipe the state the next call checks). */
export const valid = {
  on_playback: fc.record({
    event_id: eventId, user_id: fc.constant(USER), session_id: fc.constantFrom('s1', 's2'),
    state: fc.constantFrom('start', 'pause', 'resume', 'progress', 'stop'),
    position_ms: fc.integer({ min: 0, max: 6_000_000 }), duration_ms: fc.option(fc.integer({ min: 1, max: 6_000_000 }), { nil: null }),
    occurred_at: iso, item, completed: fc.option(fc.boolean(), { nil: undefined }),
  }, { requiredKeys: ['event_id', 'user_id', 'session_id', 'state', 'position_ms', 'occurred_at', 'item'] }),
  on_rating: fc.record({ event_id: eventId, user_id: fc.constant(USER), occurred_at: iso, item, rating: fc.option(fc.integer({ min: 0, max: 10 }).map((n) => n / 2), { nil: null }) }),
  on_watchlist: fc.record({ event_id: eventId, user_id: fc.constant(USER), occurred_at: iso, item, action: fc.constantFrom('add', 'remove') }),
  on_tick: fc.record({ now_ms: fc.integer({ min: 0, max: Date.UTC(2030, 0, 1) }), reason: fc.constantFrom('interval', 'wakeup'), name: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), data: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }) }, { requiredKeys: ['now_ms', 'reason'] }),
  on_action: fc.record({ user_id: fc.constant(USER), action: fc.constantFrom('status', 'sync_now', 'connect', 'oauth_callback', 'nope'), params: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), { nil: undefined }) }, { requiredKeys: ['user_id', 'action'] }),
};

const ODD = ['\u0000', '\ud800', '\udfff', '\u202e', '\u200b', '\ufeff', '\uffff', '💥', 'e\u0301', '\u0085', '\\', '"', '%s', '${x}', '__proto__', 'constructor'];
const oddString = fc.array(fc.oneof(fc.constantFrom(...ODD), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
const longString = fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n));
const deep = fc.integer({ min: 50, max: 3_000 }).chain((d) => fc.constantFrom('array', 'object').map((k) => {
  let v = 1;
  for (let i = 0; i < d; i++) v = k === 'array' ? [v] : { a: v };
  return v;
}));
const hugeNumber = fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -(2 ** 53), -1, 0.5, 1e-300, 4294967296, -0);

/** A value that replaces a field. */
const replacement = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), hugeNumber, fc.double({ noNaN: true }), fc.string({ maxLength: 20 }), oddString, longString,
  deep, fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  fc.constant(''), fc.constant([]), fc.constant({}),
);

/** Every path of an object, nested ones included (for near-valid mutations). */
function paths(v, prefix = []) {
  if (typeof v !== 'object' || v === null) return [];
  const out = [];
  for (const k of Object.keys(v)) { out.push([...prefix, k]); out.push(...paths(v[k], [...prefix, k])); }
  return out;
}

function mutate(base, path, how, value) {
  const copy = structuredClone(base);
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k];
  const last = path[path.length - 1];
  if (how === 'delete') delete o[last];
  else if (how === 'extra') o[`${last}_extra`] = value;
  else o[last] = value;
  return copy;
}

/** A valid event of the hook with one field changed. */
export const nearValid = (hook) => valid[hook].chain((base) => {
  const ps = paths(base);
  if (!ps.length) return fc.constant(base);
  return fc.tuple(fc.constantFrom(...ps), fc.constantFrom('delete', 'replace', 'replace', 'extra'), replacement).map(([p, how, v]) => mutate(base, p, how, v));
});

/** Inputs that are not even an object: any JSON, text that is not JSON, the empty input. */
export const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom('', '{', '{"a":', 'null', '[]', '1e999', 'true', '"x"', '\u0000', '{"user_id":"fz"', ' '.repeat(1000)).map((raw) => ({ raw })),
  fc.string({ maxLength: 40 }).map((raw) => ({ raw })),
  deep, longString,
);

/** One fuzz case: which hook, and the input (an object, or { raw } text passed as is). */
export const fuzzCase = fc.constantFrom('on_playback', 'on_rating', 'on_watchlist', 'on_tick', 'on_action').chain((hook) => fc.record({
  hook: fc.constant(hook),
  input: fc.oneof({ weight: 1, arbitrary: valid[hook] }, { weight: 6, arbitrary: nearValid(hook) }, { weight: 2, arbitrary: hostile }),
}));

/** Field names an error may name (any key of any hook input, or the input itself). */
export const FIELD_WORDS = /\b(input|event|event_id|user_id|session_id|state|position_ms|duration_ms|occurred_at|item|completed|rating|action|now_ms|reason|name|data|params|type|ids|title|year|season|number|show|tmdb|imdb|tvdb|trakt|slug|number_end|json|JSON)\b/;
