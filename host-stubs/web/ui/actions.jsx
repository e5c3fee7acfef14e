// A scope's action buttons, their outputs (device code, links) and the status panel.
import { useCallback, useEffect, useRef, useState } from 'react';
import { post } from './api.js';
import { ParamsForm } from './forms.jsx';
import { Loading } from './common.jsx';

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
export function ActionsPanel({ actions, user, item, simulator, title = 'Actions' }) {
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
