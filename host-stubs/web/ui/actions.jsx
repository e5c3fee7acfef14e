// A scope's action buttons, their outputs (device code, links) and the status. An
// output is coloured by what it is (success, warning, error) and goes once its state is
// over: the code box when the sign-in is done, "Sync started…" when the sync ended, an
// old preview when a sync or a new preview is asked for.
import { useCallback, useEffect, useRef, useState } from 'react';
import { post } from './api.js';
import { ParamsForm } from './forms.jsx';
import { Loading } from './common.jsx';
import { StatusView, SyncResult } from './status.jsx';
import { actionTone } from './words.js';

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
    <div className={`action-output tone-${actionTone(out)}`} role={out.ok === false ? 'alert' : 'status'} aria-live="polite">
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

/** Outputs shown inside the status, beside the button that made them. */
const IN_STATUS = { connect: 'connect', retry: 'retry', sync_now: 'sync', 'sync_now:dry': 'sync' };

/** The action buttons of one scope, and the status, which refreshes itself while asked to. */
export function ActionsPanel({ actions, user, item, simulator, title = 'Actions', list = true }) {
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
    // Nothing under way any more: the code box and "started" notes are over; the status says how it went.
    else setOutputs((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => !v?.show && !v?.refresh_s && v?.data?.done !== false)));
  }, [press]);
  useEffect(() => {
    setOutputs({});
    setStatus(null);
    if (hasStatus) refreshStatus();
    return () => clearTimeout(timer.current);
  }, [user, hasStatus]);

  async function run(a, params) {
    if (a.id === 'status') return refreshStatus();
    const key = a.id + (params?.dry_run ? ':dry' : '');
    // A new run replaces what the last one said; a sync or a preview also ends the old preview.
    setOutputs((o) => { const n = { ...o }; delete n[key]; if (a.id === 'sync_now') delete n['sync_now:dry']; return n; });
    const out = await press(a, params);
    setOutputs((o) => ({ ...o, [key]: out }));
    if (out.refresh_s && hasStatus) {
      clearTimeout(timer.current);
      timer.current = setTimeout(refreshStatus, out.refresh_s * 1000);
    } else if (hasStatus) refreshStatus();
  }
  const act = (id, params) => { const a = actions.find((x) => x.id === id); if (a) run(a, params); };
  const slot = (key) => outputs[key] && <ActionOutput out={outputs[key]} simulator={simulator} user={user} onApproved={refreshStatus} />;
  if (!actions.length) return <p className="muted">The plugin has no actions here.</p>;
  return (
    <section aria-label={title} className="actions">
      {hasStatus && (
        <div className="status-panel">
          <h3 className="sr-only">Status</h3>
          {status ? (
            <StatusView out={status} act={act} busy={busy !== null} slots={{
              connect: slot('connect'), retry: slot('retry'),
              sync: <>
                {outputs.sync_now && <div className={`action-output tone-${actionTone(outputs.sync_now)}`} role="status"><SyncResult out={outputs.sync_now} rows={status.data?.areas} /></div>}
                {outputs['sync_now:dry'] && <div className={`action-output tone-${actionTone(outputs['sync_now:dry'])}`} role="status"><h4>Dry run: what a sync would change</h4><SyncResult out={outputs['sync_now:dry']} rows={status.data?.areas} dry /></div>}
              </>,
            }} />
          ) : <Loading />}
          <button type="button" onClick={refreshStatus} disabled={busy !== null}>Refresh status</button>
        </div>
      )}
      {list && (
        <ul className="action-list">
          {actions.filter((a) => a.id !== 'status').map((a) => (
            <li key={a.id} className="action">
              <div>
                {a.params
                  ? <button type="button" aria-expanded={openForm === a.id} onClick={() => setOpenForm(openForm === a.id ? null : a.id)}>{a.label}…</button>
                  : <button type="button" disabled={busy !== null} onClick={() => run(a)}>{busy === a.id ? `${a.label}…` : a.label}</button>}
                <span className="muted"> {a.description}</span>
              </div>
              {a.params && openForm === a.id && <ParamsForm form={a.params} submitLabel={a.label} busy={busy !== null} onSubmit={(p) => run(a, p)} />}
              {!(hasStatus && IN_STATUS[a.id]) && <ActionOutput out={outputs[a.id]} simulator={simulator} user={user} onApproved={hasStatus ? refreshStatus : undefined} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
