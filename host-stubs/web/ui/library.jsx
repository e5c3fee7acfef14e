// The library and an item's page: the player, rating, watchlist and item actions.
import { useEffect, useRef, useState } from 'react';
import { post } from './api.js';
import { ActionsPanel } from './actions.jsx';
import { ErrorBox, Loading, useLoad } from './common.jsx';
import { pluginTone, pluginWords } from './words.js';

const fmt = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

export function LibraryPage({ user }) {
  const [lib] = useLoad(`/library?user=${encodeURIComponent(user)}`);
  return (
    <>
      <h1>Library</h1>
      {lib.loading && <Loading />}
      {lib.error && <ErrorBox error={lib.error} />}
      {lib.data && (
        <table className="library">
          <caption className="sr-only">Movies and episodes</caption>
          <thead><tr><th scope="col">Title</th><th scope="col">Plays</th><th scope="col">Rating</th><th scope="col">Watchlist</th></tr></thead>
          <tbody>
            {lib.data.items.map((i) => (
              <tr key={i.key}>
                <th scope="row"><a href={`#/item/${i.key}`}>{i.label}</a>{i.session ? ` (${i.session.state} at ${i.session.percent}%)` : ''}</th>
                <td>{i.plays.length}</td>
                <td>{i.rating === null ? '—' : `${i.rating} ★`}</td>
                <td>{i.watchlisted ? 'yes' : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {lib.data && <Playlists list={lib.data.playlists ?? []} />}
    </>
  );
}

/** Where a playlist comes from, in words: a plugin's source (a Trakt list), or made here. */
const fromWords = (p) => {
  const t = /^trakt:list:(\d+)$/.exec(p.source ?? '');
  if (t) return `Trakt list ${t[1]}${p.created_by ? ` (kept in step by ${p.created_by})` : ''}`;
  if (p.source) return `${p.source}${p.created_by ? ` (by ${p.created_by})` : ''}`;
  return p.created_by ? `made by ${p.created_by}` : 'made here';
};

function Playlists({ list }) {
  return (
    <section aria-labelledby="playlists-h">
      <h2 id="playlists-h">Playlists</h2>
      {list.length === 0 ? <p className="muted">No playlists yet.</p> : (
        <table className="library">
          <caption className="sr-only">Your playlists: name, items and where each comes from</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Items</th><th scope="col">From</th></tr></thead>
          <tbody>{list.map((p) => <tr key={p.id}><th scope="row">{p.name}</th><td>{p.count}</td><td>{fromWords(p)}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}

export function ItemPage({ itemKey, user, state }) {
  const [lib, reload] = useLoad(`/library?user=${encodeURIComponent(user)}`, [state?.installed?.version]);
  const [msg, setMsg] = useState(null);
  const [seek, setSeek] = useState(null);
  const [, tick] = useState(0);
  const [rating, setRating] = useState('');
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  const item = lib.data?.items.find((i) => i.key === itemKey);
  // The clock runs while playing: the position the host said, plus the time since it said so.
  const loadedAt = useRef(Date.now());
  useEffect(() => { loadedAt.current = Date.now(); }, [lib.data]);
  useEffect(() => { if (item) setRating(item.rating === null ? '' : String(item.rating)); }, [item?.rating, itemKey]);
  if (lib.loading) return <Loading />;
  if (lib.error) return <ErrorBox error={lib.error} />;
  if (!item) return <ErrorBox error={new Error(`No item ${itemKey} in the library`)} />;
  const s = item.session && (() => {
    const x = item.session;
    if (x.state !== 'playing') return x;
    const position_ms = Math.min(x.duration_ms, x.position_ms + (Date.now() - loadedAt.current));
    return { ...x, position_ms, percent: Math.round((position_ms / x.duration_ms) * 1000) / 10 };
  })();
  const say = (what, r) => setMsg({ tone: pluginTone(r.plugin), text: pluginWords(what, r.plugin) });
  const act = async (what, path, body) => {
    try {
      const r = await post(path, { user, key: item.key, ...body });
      say(what, r);
      setSeek(null);
      reload();
    } catch (e) {
      setMsg({ tone: 'error', text: e.message });
    }
  };
  const durationMs = item.runtime_min * 60_000;
  const since = lib.data && s ? s : null;
  const pct = seek ?? (since ? since.percent : 0);
  return (
    <>
      <h1>{item.label}</h1>
      <p className="muted">{item.type} · {item.runtime_min} min · played {item.plays.length} time{item.plays.length === 1 ? '' : 's'}</p>
      <section className="card player" aria-label="Player">
        <h2>Player</h2>
        <p data-testid="player-state">{s ? `${s.state === 'playing' ? 'Playing' : 'Paused'} at ${fmt(s.position_ms)} of ${fmt(durationMs)} (${s.percent}%)` : 'Stopped'}</p>
        <div className="player-controls">
          {(!s || s.state === 'paused') && <button type="button" onClick={() => act('Play', '/player', { op: 'play' })}>{s ? 'Resume' : 'Play'}</button>}
          {s?.state === 'playing' && <button type="button" onClick={() => act('Pause', '/player', { op: 'pause' })}>Pause</button>}
          {s && <button type="button" onClick={() => act('Stop', '/player', { op: 'stop' })}>Stop</button>}
        </div>
        {s && (
          <div className="seek">
            <label htmlFor="seek">Position (%)</label>
            <input id="seek" type="range" min="0" max="100" step="1" value={pct} onChange={(e) => setSeek(Number(e.target.value))} />
            <output htmlFor="seek">{pct}%</output>
            <button type="button" disabled={seek === null} onClick={() => act(`Seek to ${seek}%`, '/player', { op: 'seek', percent: seek })}>Seek</button>
          </div>
        )}
      </section>
      <section className="card" aria-label="Rating and watchlist">
        <h2>Rating and watchlist</h2>
        <div className="row">
          <label htmlFor="rating">Your rating</label>
          <select id="rating" value={rating} onChange={(e) => setRating(e.target.value)}>
            <option value="">No rating</option>
            {[0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5].map((r) => <option key={r} value={String(r)}>{r} ★</option>)}
          </select>
          <button type="button" disabled={rating === (item.rating === null ? '' : String(item.rating))} onClick={() => act('Rating', '/rate', { rating: rating === '' ? null : Number(rating) })}>Save rating</button>
        </div>
        <button type="button" onClick={() => act(item.watchlisted ? 'Removed from the watchlist' : 'Added to the watchlist', '/watchlist', { on: !item.watchlisted })}>
          {item.watchlisted ? 'Remove from watchlist' : 'Add to watchlist'}
        </button>
      </section>
      {msg && <p className={`${msg.tone}-box`} role={msg.tone === 'error' ? 'alert' : 'status'} data-testid="player-message">{msg.text}</p>}
      <section aria-label="Plugin actions for this item">
        <h2>Plugin actions</h2>
        {state?.installed
          ? <ActionsPanel actions={lib.data.item_actions} user={user} item={item.key} title="Item actions" />
          : <p className="muted">No plugin is installed.</p>}
      </section>
    </>
  );
}
