// The catalog, the package review with its permissions, and consent.
import { useEffect, useState } from 'react';
import { post } from './api.js';
import { ErrorBox, Loading, useLoad } from './common.jsx';

export function CatalogPage({ state, refresh }) {
  const [cat, reload] = useLoad('/catalog', [state?.installed?.version]);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState(null);
  const [err, setErr] = useState(null);
  const installed = state?.installed;
  async function uninstall() {
    setErr(null);
    try {
      const r = await post('/uninstall', { confirm: true });
      setDone({ message: r.message, tone: r.tone ?? 'success' });
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
      {done && <p className={`${done.tone}-box`} role="status">{done.message}</p>}
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
            {e.offer === 'installed' && <p className="installed-note"><span aria-hidden="true">✓ </span>Installed</p>}
            {e.offer === 'older' && <p className="muted">Older than the installed version</p>}
            {e.offer === 'other' && <p className="muted">Another plugin is installed</p>}
          </li>
        ))}
      </ul>
    </>
  );
}

export function ReviewPage({ index, refresh }) {
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
        <p className={result.out.ok === false ? 'warning-box' : 'success-box'} role="status">{r.kind === 'upgrade' ? `Upgraded from ${r.from_version}. ${result.out.message ?? ''}` : 'Installed. It runs from now on.'}</p>
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
