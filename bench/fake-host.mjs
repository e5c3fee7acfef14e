// An in-process host for benchmarks: KV and secrets in Maps, settings fixed, and Trakt
// answered instantly from canned replies, so a measurement holds only the plugin's own
// work and the host-function boundary (no simulator, no sockets).
export function fakeHost({ now = Date.UTC(2026, 10, 1), user = 'alice', userSettings = { scrobble: true } } = {}) {
  const kv = new Map(); let version = 0;
  const secrets = new Map();
  const counts = { calls: 0, http: 0, kvWrites: 0 };
  let clock = now;
  const tokens = { access_token: 'bench-access', refresh_token: 'bench-refresh', expires_at: now + 7 * 86_400_000, refresh_at: now + 6 * 86_400_000 };
  secrets.set(`tokens/${user}`, JSON.stringify(tokens));
  const reply = (status, body = {}, headers = {}) => ({ status, headers, body: JSON.stringify(body) });
  const handlers = {
    clock_now: () => ({ now_ms: clock }),
    settings_get: () => ({ server: { client_id: 'bench', client_secret: 'bench-secret' }, user: userSettings }),
    kv_get: ({ key }) => { const e = kv.get(key); return e ? { value: e.value, version: e.version } : { value: null, version: 0 }; },
    kv_set: ({ key, value, if_version }) => {
      const e = kv.get(key);
      if (if_version !== undefined && (e?.version ?? 0) !== if_version) return { error: { code: 'conflict', message: key } };
      counts.kvWrites++; kv.set(key, { value, version: ++version }); return { version };
    },
    kv_delete: ({ key, if_version }) => {
      const e = kv.get(key);
      if (if_version !== undefined && (e?.version ?? 0) !== if_version) return { error: { code: 'conflict', message: key } };
      counts.kvWrites++; kv.delete(key); return {};
    },
    kv_list: ({ prefix, after }) => ({ keys: [...kv.keys()].filter((k) => k.startsWith(prefix) && (!after || k > after)).sort() }),
    secret_get: ({ key }) => ({ value: secrets.get(key) ?? null }),
    secret_set: ({ key, value }) => { secrets.set(key, value); return {}; },
    secret_delete: ({ key }) => { secrets.delete(key); return {}; },
    schedule_set: () => ({}),
    schedule_cancel: () => ({}),
    library_query: () => ({ items: [] }),
    library_apply: ({ changes }) => ({ results: changes.map(() => ({ ok: true })) }),
    http_send: ({ url }) => {
      counts.http++;
      if (url.includes('/scrobble/')) return reply(201, { id: 1, action: url.endsWith('stop') ? 'scrobble' : url.split('/').pop(), progress: 50 });
      return reply(201, { added: { movies: 1, episodes: 0 }, not_found: { movies: [], shows: [], episodes: [] } });
    },
  };
  const functions = {};
  for (const [name, fn] of Object.entries(handlers)) {
    functions[name] = (cp, off) => { counts.calls++; return cp.store(JSON.stringify(fn(JSON.parse(cp.read(off).text())))); };
  }
  return { functions: { 'extism:host/user': functions }, counts, kv, tick: (ms) => { clock += ms; } };
}
