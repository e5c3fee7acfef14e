// The simulated Trakt account of a user, and the simulator's auth.trakt.tv/activate.
import { useState } from 'react';
import { post } from './api.js';
import { ErrorBox, useLoad } from './common.jsx';
import { localTime } from './words.js';

export function TraktPage({ user, state }) {
  const [view, reload] = useLoad(`/trakt?user=${encodeURIComponent(user)}`);
  const [code, setCode] = useState('');
  const [msg, setMsg] = useState(null);
  const list = (title, rows, render) => (
    <section className="card" aria-label={title}>
      <h2>{title} ({rows.length})</h2>
      {rows.length ? <ul>{rows.map((r, i) => <li key={i}>{render(r)}</li>)}</ul> : <p className="muted">None.</p>}
    </section>
  );
  return (
    <>
      <h1>Trakt account of {user} {state?.simulator ? '(simulated)' : ''}</h1>
      {view.error && <ErrorBox error={view.error} />}
      {view.data && !view.data.available && <p>{view.data.message}</p>}
      {view.data?.available && (
        <>
          <form className="card" onSubmit={(e) => { e.preventDefault(); post('/sim/approve', { code, user }).then((r) => setMsg({ ok: true, text: r.message }), (err) => setMsg({ ok: false, text: err.message })); }}>
            <h2>auth.trakt.tv/activate (simulated)</h2>
            <label htmlFor="device-code">Code shown by the plugin</label>
            <input id="device-code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
            <button type="submit" disabled={!code.trim()}>Approve as {user}</button>
            {msg && <p className={msg.ok ? 'success-box' : 'error-box'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</p>}
          </form>
          <p>Connected apps: {view.data.connected_apps} · Watching now: {view.data.watching ?? 'nothing'} <button type="button" onClick={reload}>Refresh</button></p>
          {list('Plays', view.data.plays, (p) => `${p.title}: ${localTime(p.watched_at)} (${p.action === 'scrobble' ? 'scrobbled' : p.action === 'checkin' ? 'checked in' : 'added'})`)}
          {list('Ratings', view.data.ratings, (r) => `${r.title}: ${r.rating}/10`)}
          {list('Watchlist', view.data.watchlist, (w) => `${w.title} (since ${localTime(w.listed_at)})`)}
          {list('Resume points', view.data.resume_points, (p) => `${p.title}: ${Math.round(p.progress)}% (paused ${localTime(p.paused_at)})`)}
          {view.data.collection === null ? <p className="muted">This simulator keeps no collection.</p> : list('Collection', view.data.collection, (c) => `${c.title}${c.collected_at ? ` (${localTime(c.collected_at)})` : ''}`)}
        </>
      )}
    </>
  );
}
