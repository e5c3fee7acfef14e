// The host's web face: catalog and consent, settings pages and actions rendered from the
// manifest, a library with a small player, and the simulated Trakt account. Routing is
// by the URL hash; the user picker stands in for a login.
import { useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { get, post } from './api.js';
import { ParamsForm, SettingsForm } from './forms.jsx';
import './style.css';

function useHash() {
  const [hash, setHash] = useState(() => location.hash || '#/catalog');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/catalog');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** Loads `path` (again when `deps` change); `reload()` refetches. */
function useLoad(path, deps = []) {
  const [state, setState] = useState({ loading: true });
  const load = useCallback(() => {
    if (!path) return;
    get(path).then((data) => setState({ data }), (error) => setState({ error }));
  }, [path]);
  useEffect(() => { setState({ loading: true }); load(); }, [path, ...deps]);
  return [state, load];
}

const ErrorBox = ({ error, children }) => (
  <div className="error-box" role="alert"><span className="pre">{error?.message ?? String(error)}</span>{children}</div>
);
const Loading = () => <p aria-live="polite">Loading…</p>;

// ------------------------------------------------------------------ catalog and consent

function CatalogPage({ state, refresh }) {
  const [cat, reload] = useLoad('/catalog', [state?.installed?.version]);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState(null);
  const [err, setErr] = useState(null);
  const installed = state?.installed;
  async function uninstall() {
    setErr(null);
    try {
      const r = await post('/uninstall', { confirm: true });
      setDone(r.message);
      setConfirming(false);
      refresh();
      reload();
    } catch (e) {
      setErr(e);
    }
  }
  return (
    <>
      <h1>Plugin catalog</h1>
      <p className="muted">Catalog: <code>{state?.catalog_url}</code></p>
      {state?.problem && <ErrorBox error={new Error(state.problem)} />}
      {done && <p className="ok-box" role="status">{done}</p>}
      {err && <ErrorBox error={err} />}
      {installed && (
        <section className="card" aria-labelledby="installed-h">
          <h2 id="installed-h">Installed: {installed.name} {installed.version}</h2>
          <p>{installed.description}</p>
          {!confirming
            ? <button type="button" onClick={() => setConfirming(true)}>Uninstall…</button>
            : (
              <div className="confirm">
                <p><strong>Uninstall {installed.name}?</strong> The plugin is told first (it signs everyone out of Trakt), then all of its data and settings are deleted.</p>
                <button type="button" className="danger" onClick={uninstall}>Yes, uninstall</button>
                <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
              </div>
            )}
        </section>
      )}
      {cat.loading && <Loading />}
      {cat.error && <ErrorBox error={cat.error} />}
      {cat.data?.problems?.length > 0 && <div className="error-box" role="alert">The catalog has entries the host cannot use:<ul>{cat.data.problems.map((p) => <li key={p}>{p}</li>)}</ul></div>}
      <ul className="cards" aria-label="Plugins in the catalog">
        {cat.data?.entries.map((e) => (
          <li key={e.index} className="card">
            <h2>{e.name} <span className="version">{e.version}</span></h2>
            <p>{e.description}</p>
            <p><a href={e.homepage} target="_blank" rel="noopener noreferrer">Homepage<span className="sr-only"> of {e.name} (opens in a new tab)</span></a></p>
            {e.offer === 'install' && <a className="button primary" href={`#/review/${e.index}`}>Review and install {e.name} {e.version}</a>}
            {e.offer === 'upgrade' && <a className="button primary" href={`#/review/${e.index}`}>Upgrade to {e.version}</a>}
            {e.offer === 'installed' && <p className="badge">Installed</p>}
            {e.offer === 'older' && <p className="muted">Older than the installed version</p>}
            {e.offer === 'other' && <p className="muted">Another plugin is installed</p>}
          </li>
        ))}
      </ul>
    </>
  );
}

function ReviewPage({ index, refresh }) {
  const [review, setReview] = useState({ loading: true });
  const [consent, setConsent] = useState(false);
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    post('/review', { index: Number(index) }).then((data) => setReview({ data }), (error) => setReview({ error }));
  }, [index]);
  if (review.loading) return <Loading />;
  if (review.error) {
    return (
      <>
        <h1>This package cannot be installed</h1>
        <ErrorBox error={review.error}><p>Nothing was installed or changed.</p></ErrorBox>
        <p><a href="#/catalog">Back to the catalog</a></p>
      </>
    );
  }
  const r = review.data;
  const m = r.manifest;
  async function go() {
    setBusy(true);
    try {
      const out = await post(r.kind === 'install' ? '/install' : '/upgrade', { review_id: r.review_id, consent });
      setResult({ ok: true, out });
      refresh();
    } catch (e) {
      setResult({ ok: false, error: e });
    } finally {
      setBusy(false);
    }
  }
  if (result?.ok) {
    return (
      <>
        <h1>{m.name} {m.version} is installed</h1>
        <p className="ok-box" role="status">{r.kind === 'upgrade' ? `Upgraded from ${r.from_version}. ${result.out.message ?? ''}` : 'Installed. It runs from now on.'}</p>
        <p><a href="#/server">Open the server settings</a> · <a href="#/user">Open your settings</a></p>
      </>
    );
  }
  return (
    <>
      <h1>{r.kind === 'install' ? 'Install' : 'Upgrade'} {m.name} {m.version}</h1>
      <p>{m.description}</p>
      <p className="muted">By {m.author} · {m.license} · <a href={m.homepage} target="_blank" rel="noopener noreferrer">{m.homepage}<span className="sr-only"> (opens in a new tab)</span></a>{r.kind === 'upgrade' && <> · installed now: {r.from_version}</>}</p>
      <h2>Permissions</h2>
      <table className="perms">
        <caption className="sr-only">What {m.name} may do, and why</caption>
        <thead><tr><th scope="col">Permission</th><th scope="col">What it allows</th><th scope="col">Why the plugin asks</th></tr></thead>
        <tbody>{r.permissions.map((p) => <tr key={p.name}><th scope="row">{p.name}</th><td>{p.grants}</td><td>{p.reason}</td></tr>)}</tbody>
      </table>
      {r.kind === 'upgrade' && (r.growth.length
        ? <div className="warn-box"><p><strong>This version asks for more than the installed one:</strong></p><ul>{r.growth.map((g) => <li key={g.text}>{g.text}</li>)}</ul></div>
        : <p>This version asks for nothing new.</p>)}
      {r.needs_consent && (
        <p className="consent">
          <input type="checkbox" id="consent" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
          <label htmlFor="consent">I allow {m.name} to do all of the above</label>
        </p>
      )}
      <button type="button" className="primary" disabled={busy || (r.needs_consent && !consent)} onClick={go}>
        {r.kind === 'install' ? `Install ${m.name}` : `Upgrade to ${m.version}`}
      </button>
      {result && !result.ok && <ErrorBox error={result.error}><p>Nothing was installed or changed.</p></ErrorBox>}
    </>
  );
}

// ------------------------------------------------------------------ actions

function ActionOutput({ out, simulator, user, onApproved }) {
  const [copy, setCopy] = useState('');
  const [approve, setApprove] = useState(null);
  if (!out) return null;
  const code = out.show?.code;
  const link = out.show?.link;
  async function copyCode() {
    try {
      await navigator.clipboard.writeText(code);
      setCopy('Copied.');
    } catch {
      setCopy('Copying is not allowed here: select the code instead.');
    }
  }
  return (
    <div className={`action-output ${out.ok ? 'ok' : 'failed'}`} role="status" aria-live="polite">
      {out.message && <p className="pre">{out.message}</p>}
      {code && (
        <div className="code-box">
          <span className="code" aria-label={`Code ${code.split('').join(' ')}`}>{code}</span>
          <button type="button" onClick={copyCode}>Copy code</button>
          <span className="muted">{copy}</span>
        </div>
      )}
      {link && <p><a href={link.url} target="_blank" rel="noopener noreferrer">{link.label}<span className="sr-only"> (opens in a new tab)</span></a></p>}
      {code && simulator && user && (
        <p className="sim-note">
          Simulator: this host has no internet Trakt.{' '}
          <button type="button" onClick={() => post('/sim/approve', { code, user }).then((r) => { setApprove(r.message); onApproved?.(); }, (e) => setApprove(e.message))}>
            Approve {code} as {user} on the simulated trakt.tv
          </button>{' '}
          <span>{approve}</span>
        </p>
      )}
      {out.refresh_s && <p className="muted">Checking again every {out.refresh_s} s…</p>}
    </div>
  );
}

/** The action buttons of one scope, a status panel that refreshes itself while asked to. */
function ActionsPanel({ actions, user, item, simulator, title = 'Actions' }) {
  const [outputs, setOutputs] = useState({});
  const [status, setStatus] = useState(null);
  const [busy, setBusy] = useState(null);
  const [openForm, setOpenForm] = useState(null);
  const timer = useRef(null);
  const hasStatus = actions.some((a) => a.id === 'status') && !item;
  const press = useCallback(async (a, params) => {
    setBusy(a.id);
    let out;
    try {
      out = await post('/action', { action: a.id, user, item_key: item, params });
    } catch (e) {
      out = { ok: false, message: e.message };
    }
    setBusy(null);
    return out;
  }, [user, item]);
  const refreshStatus = useCallback(async () => {
    clearTimeout(timer.current);
    const out = await press({ id: 'status' });
    setStatus(out);
    if (out.refresh_s) timer.current = setTimeout(refreshStatus, out.refresh_s * 1000);
    else setOutputs((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v?.show ? { ...v, show: undefined, refresh_s: undefined, message: `${v.message ?? ''}\nDone: see the status.`.trim() } : v])));
  }, [press]);
  useEffect(() => {
    setOutputs({});
    setStatus(null);
    if (hasStatus) refreshStatus();
    return () => clearTimeout(timer.current);
  }, [user, hasStatus]);

  async function run(a, params) {
    const out = await press(a, params);
    if (a.id === 'status') return refreshStatus();
    setOutputs((o) => ({ ...o, [a.id + (params?.dry_run ? ':dry' : '')]: out }));
    if (out.refresh_s && hasStatus) {
      clearTimeout(timer.current);
      timer.current = setTimeout(refreshStatus, out.refresh_s * 1000);
    } else if (hasStatus) refreshStatus();
  }
  if (!actions.length) return <p className="muted">The plugin has no actions here.</p>;
  return (
    <section aria-label={title} className="actions">
      {hasStatus && (
        <div className="status-panel">
          <h3>Status</h3>
          {status ? <p className="pre" data-testid="status-text">{status.message}</p> : <Loading />}
          {status?.data?.sync?.progress && <p>Sync: {status.data.sync.progress.label ?? JSON.stringify(status.data.sync.progress)}</p>}
          <button type="button" onClick={refreshStatus} disabled={busy !== null}>Refresh status</button>
        </div>
      )}
      <ul className="action-list">
        {actions.filter((a) => a.id !== 'status').map((a) => (
          <li key={a.id} className="action">
            <div>
              {a.params
                ? <button type="button" aria-expanded={openForm === a.id} onClick={() => setOpenForm(openForm === a.id ? null : a.id)}>{a.label}…</button>
                : <button type="button" disabled={busy !== null} onClick={() => run(a)}>{busy === a.id ? `${a.label}…` : a.label}</button>}
              {a.id === 'sync_now' && <button type="button" disabled={busy !== null} onClick={() => run(a, { dry_run: true })}>Preview (dry run)</button>}
              <span className="muted"> {a.description}</span>
            </div>
            {a.params && openForm === a.id && <ParamsForm form={a.params} submitLabel={a.label} busy={busy !== null} onSubmit={(p) => run(a, p)} />}
            <ActionOutput out={outputs[a.id]} simulator={simulator} user={user} onApproved={hasStatus ? refreshStatus : undefined} />
            {outputs[`${a.id}:dry`] && <div><h4>Preview</h4><ActionOutput out={outputs[`${a.id}:dry`]} /></div>}
          </li>
        ))}
      </ul>
    </section>
  );
}

// ------------------------------------------------------------------ settings pages

function SettingsPage({ scope, user, state }) {
  const path = scope === 'server' ? '/settings/server' : `/settings/user?user=${encodeURIComponent(user)}`;
  const [view, reload] = useLoad(state?.installed ? path : null, [state?.installed?.version]);
  if (!state?.installed) return <><h1>{scope === 'server' ? 'Server settings' : 'My settings'}</h1><p>No plugin is installed. <a href="#/catalog">Open the catalog</a>.</p></>;
  const name = state.installed.name;
  const heading = scope === 'server' ? `${name}: server settings` : `${name}: settings of ${state.users.find((u) => u.id === user)?.name ?? user}`;
  return (
    <>
      <h1>{heading}</h1>
      {scope === 'server' && <p className="muted">Set by the admin for everyone.</p>}
      {view.loading && <Loading />}
      {view.error && <ErrorBox error={view.error} />}
      {view.data?.form && (
        <SettingsForm key={`${scope}:${user}:${state.installed.version}`} title={heading} view={view.data}
          onSave={async (body) => { const next = await post(path.split('?')[0], { ...body, user }); reload(); return next; }} />
      )}
      {view.data && !view.data.form && <p>This plugin has no {scope} settings.</p>}
      {view.data && (
        <>
          <h2>{scope === 'server' ? 'Server actions' : 'Actions'}</h2>
          <ActionsPanel key={`${scope}:${user}`} actions={view.data.actions} user={scope === 'server' ? undefined : user} simulator={state.simulator} />
        </>
      )}
    </>
  );
}

// ------------------------------------------------------------------ library and player

const fmt = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

function LibraryPage({ user }) {
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
    </>
  );
}

function ItemPage({ itemKey, user, state }) {
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
  useEffect(() => { if (item) setRating(item.rating === null ? '' : String(item.rating)); }, [item?.rating, itemKey]);
  if (lib.loading) return <Loading />;
  if (lib.error) return <ErrorBox error={lib.error} />;
  if (!item) return <ErrorBox error={new Error(`No item ${itemKey} in the library`)} />;
  const s = item.session;
  const say = (what, r) => setMsg({ ok: true, text: `${what}: ${r.plugin ? `the plugin says ${r.plugin.status}${r.plugin.detail ? ` (${r.plugin.detail})` : ''}` : 'done'}` });
  const act = async (what, path, body) => {
    try {
      const r = await post(path, { user, key: item.key, ...body });
      say(what, r);
      setSeek(null);
      reload();
    } catch (e) {
      setMsg({ ok: false, text: e.message });
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
      {msg && <p className={msg.ok ? 'ok-box' : 'error-box'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</p>}
      <section aria-label="Plugin actions for this item">
        <h2>Plugin actions</h2>
        {state?.installed
          ? <ActionsPanel actions={lib.data.item_actions} user={user} item={item.key} title="Item actions" />
          : <p className="muted">No plugin is installed.</p>}
      </section>
    </>
  );
}

// ------------------------------------------------------------------ Trakt account

function TraktPage({ user, state }) {
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
            <h2>trakt.tv/activate (simulated)</h2>
            <label htmlFor="device-code">Code shown by the plugin</label>
            <input id="device-code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
            <button type="submit" disabled={!code.trim()}>Approve as {user}</button>
            {msg && <p className={msg.ok ? 'ok-box' : 'error-box'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</p>}
          </form>
          <p>Connected apps: {view.data.connected_apps} · Watching now: {view.data.watching ?? 'nothing'} <button type="button" onClick={reload}>Refresh</button></p>
          {list('Plays', view.data.plays, (p) => `${p.title}: ${p.watched_at} (${p.action})`)}
          {list('Ratings', view.data.ratings, (r) => `${r.title}: ${r.rating}/10`)}
          {list('Watchlist', view.data.watchlist, (w) => `${w.title} (since ${w.listed_at})`)}
          {list('Resume points', view.data.resume_points, (p) => `${p.title}: ${Math.round(p.progress)}% (${p.paused_at})`)}
          {view.data.collection === null ? <p className="muted">This simulator keeps no collection.</p> : list('Collection', view.data.collection, (c) => `${c.title}${c.collected_at ? ` (${c.collected_at})` : ''}`)}
        </>
      )}
    </>
  );
}

// ------------------------------------------------------------------ shell

function App() {
  const hash = useHash();
  const [state, setState] = useState(null);
  const [stateErr, setStateErr] = useState(null);
  const [user, setUser] = useState(() => sessionStorage.getItem('user') ?? 'alice');
  const refresh = useCallback(() => get('/state').then(setState, setStateErr), []);
  useEffect(() => { refresh(); }, []);
  useEffect(() => { sessionStorage.setItem('user', user); }, [user]);
  const [, route, arg] = hash.split('/');
  const page = route ?? 'catalog';
  let content;
  if (page === 'review') content = <ReviewPage index={arg} refresh={refresh} />;
  else if (page === 'server') content = <SettingsPage scope="server" state={state} />;
  else if (page === 'user') content = <SettingsPage scope="user" user={user} state={state} />;
  else if (page === 'library') content = <LibraryPage user={user} />;
  else if (page === 'item') content = <ItemPage itemKey={arg} user={user} state={state} />;
  else if (page === 'trakt') content = <TraktPage user={user} state={state} />;
  else content = <CatalogPage state={state} refresh={refresh} />;
  const nav = [['catalog', 'Catalog'], ['server', 'Server settings'], ['user', 'My settings'], ['library', 'Library'], ['trakt', 'Trakt account']];
  return (
    <>
      <header>
        <a className="brand" href="#/catalog">Revenge <span>local host</span></a>
        <nav aria-label="Main">
          <ul>{nav.map(([k, label]) => <li key={k}><a href={`#/${k}`} aria-current={page === k ? 'page' : undefined}>{label}</a></li>)}</ul>
        </nav>
        <div className="user-picker">
          <label htmlFor="user-picker">Signed in as</label>
          <select id="user-picker" value={user} onChange={(e) => setUser(e.target.value)}>
            {(state?.users ?? [{ id: 'alice', name: 'Alice' }, { id: 'bob', name: 'Bob' }]).map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </div>
      </header>
      <main>
        {stateErr && <ErrorBox error={stateErr} />}
        {content}
      </main>
      <footer><p>Stub Revenge host · {state?.simulator ? 'Trakt simulator' : 'the real Trakt'} · {state?.installed ? `${state.installed.name} ${state.installed.version}` : 'no plugin installed'}</p></footer>
    </>
  );
}

createRoot(document.getElementById('root')).render(<App />);
