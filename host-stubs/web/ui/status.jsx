// A user's status at a glance, rendered by the host from the plugin's `status` data
// (docs/host-contract.md, "The status action's data"): the connection, each sync area,
// deliveries waiting, account limits, recent problems and a chart of plays per day.
// Every thing a user can act on has its button beside it (`act(actionId, params)`).
import { DIRECTIONS, localTime, relative, shortDay, when } from './words.js';

const CONNECTION = {
  connected: ['success', 'Connected to Trakt'],
  pending: ['warning', 'Waiting for the code to be entered'],
  expired: ['warning', 'Sign-in expired, renewal failed so far'],
  reconnect_needed: ['error', 'Trakt no longer accepts this sign-in'],
  disconnected: ['neutral', 'Not connected to Trakt'],
};
const KIND_WORDS = { watch: ['watch', 'watches'], rating: ['rating', 'ratings'], watchlist: ['watchlist change', 'watchlist changes'] };
const count = (n, [one, many]) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

function Connection({ d, now, act, busy, children }) {
  const [tone, title] = CONNECTION[d.connection] ?? ['neutral', d.connection];
  const a = d.account;
  const again = d.connection === 'reconnect_needed' || d.connection === 'expired' || d.connection === 'disconnected';
  return (
    <section className={`status-card tone-${tone}`} aria-labelledby="st-conn" data-testid="connection">
      <h3 id="st-conn">{title}</h3>
      {d.connection === 'connected' && a && (
        <ul className="facts">
          <li>Signed in as <strong>{a.name ?? a.username ?? 'your Trakt account'}</strong>{a.username && a.name ? ` (${a.username})` : ''}{a.connected_at ? `, since ${localTime(a.connected_at)}` : ''}.</li>
          <li>This sign-in is valid until {when(a.token_expires_at, now)} and renews itself before then.</li>
          <li>{a.checked_at ? `Trakt confirmed it ${relative(a.checked_at, now)}.` : 'Trakt has not confirmed this sign-in yet.'}</li>
        </ul>
      )}
      {d.connection === 'reconnect_needed' && <p>The sign-in was refused or revoked on Trakt. Nothing is lost: what you watch is kept and sent once you connect again.</p>}
      {d.connection === 'expired' && <p>The sign-in expired on {localTime(a?.token_expires_at)} and Trakt could not be reached to renew it. It is tried again with every delivery; connect again if this stays.</p>}
      {d.connection === 'pending' && <p>Enter code <strong>{d.user_code}</strong> on Trakt; this page notices by itself.</p>}
      {again && <button type="button" className="primary" disabled={busy} onClick={() => act('connect')}>{d.connection === 'disconnected' ? 'Connect Trakt' : 'Connect again'}</button>}
      {children}
    </section>
  );
}

function changedWords(row) {
  const c = row.changed;
  if (row.direction === 'off') return '—';
  if (!c) return 'Not synced yet';
  const verb = row.dry_run ? 'would ' : '';
  const parts = [];
  if (c.added_on_trakt) parts.push(`${verb}${row.dry_run ? 'add' : 'added'} ${c.added_on_trakt.toLocaleString()} on Trakt`);
  if (c.removed_on_trakt) parts.push(`${verb}${row.dry_run ? 'remove' : 'removed'} ${c.removed_on_trakt.toLocaleString()} on Trakt`);
  if (c.added_here) parts.push(`${verb}${row.dry_run ? 'add' : 'added'} ${c.added_here.toLocaleString()} here`);
  if (c.removed_here) parts.push(`${verb}${row.dry_run ? 'remove' : 'removed'} ${c.removed_here.toLocaleString()} here`);
  return parts.length ? parts.join(', ') : row.dry_run ? 'Nothing would change' : 'Nothing to change: in step';
}

function waitsWords(row) {
  const out = [];
  if (row.waiting) out.push(`${row.waiting.toLocaleString()} waiting to be sent`);
  if (row.stopped) out.push(`stopped: ${row.stopped}`);
  const h = row.held_back;
  if (h?.withheld) out.push(`${h.withheld.toLocaleString()} removals held back (too many at once)`);
  if (h?.not_found) out.push(`${h.not_found.toLocaleString()} unknown to Trakt`);
  if (h?.not_in_library) out.push(`${h.not_in_library.toLocaleString()} not in this library`);
  return out.length ? out.join('; ') : '—';
}

function Areas({ d, nextTick, now, act, busy, children }) {
  const rows = d.areas ?? [];
  const running = d.sync?.running;
  const next = d.connection !== 'connected' ? 'Once connected' : running ? 'Running now' : nextTick ? when(nextTick, now) : 'With the next interval tick';
  const dry = rows.some((r) => r.dry_run && r.changed);
  return (
    <section className="status-card" aria-labelledby="st-areas">
      <h3 id="st-areas">Sync</h3>
      {running && <p role="status">{d.sync.dry_run ? 'Preview' : 'Sync'} in progress{d.sync.progress?.label ? `: ${d.sync.progress.label}` : ''}…</p>}
      {dry && <p className="muted">The last run was a preview: nothing was changed. The rows show what a sync would do.</p>}
      <table className="areas">
        <caption className="sr-only">Each sync area: direction, last sync, what it changed, what waits, next run</caption>
        <thead><tr><th scope="col">Area</th><th scope="col">Direction</th><th scope="col">Last sync</th><th scope="col">{dry ? 'Would change' : 'Changed'}</th><th scope="col">Waiting</th><th scope="col">Next run</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.area} className={r.direction === 'off' ? 'off' : undefined}>
              <th scope="row">{r.title}</th>
              <td>{DIRECTIONS[r.direction] ?? r.direction}</td>
              <td>{r.last_sync_at && r.direction !== 'off' ? <span title={localTime(r.last_sync_at)}>{relative(r.last_sync_at, now)}</span> : '—'}</td>
              <td>{changedWords(r)}</td>
              <td>{waitsWords(r)}</td>
              <td>{r.direction === 'off' ? 'Off' : next}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {d.connection === 'connected' && (
        <p>
          <button type="button" disabled={busy || running} onClick={() => act('sync_now')}>Sync now</button>
          <button type="button" disabled={busy || running} onClick={() => act('sync_now', { dry_run: true })}>Open the dry run</button>
          <span className="muted"> The dry run lists what a sync would change, without changing anything.</span>
        </p>
      )}
      {children}
    </section>
  );
}

function Waiting({ w, now, act, busy, canRetry, children }) {
  if (!w) return null;
  const kinds = Object.entries(w.by_kind ?? {}).map(([k, n]) => count(n, KIND_WORDS[k] ?? [k, k]));
  return (
    <section className="status-card tone-warning" aria-labelledby="st-wait">
      <h3 id="st-wait">{count(w.count, ['change', 'changes'])} waiting to reach Trakt</h3>
      <ul className="facts">
        {kinds.length > 0 && <li>{kinds.join(', ')}.</li>}
        {w.oldest_at && <li>The oldest from {when(w.oldest_at, now)}.</li>}
        <li>Next try: {when(w.next_try_at, now)}.</li>
        {w.last_problem && <li>Last problem: {w.last_problem}.</li>}
      </ul>
      {canRetry
        ? <button type="button" disabled={busy} onClick={() => act('retry')}>Retry now</button>
        : <p>They are sent once you connect again.</p>}
      {children}
    </section>
  );
}

/** The duplicate clean-up (data.cleanup): under way, or what the last one found and removed, with its first groups. */
function Cleanup({ c }) {
  if (!c) return null;
  const l = c.last;
  const n = (x) => Number(x ?? 0).toLocaleString();
  return (
    <section className="status-card" aria-labelledby="st-cleanup">
      <h3 id="st-cleanup">Duplicate plays</h3>
      {c.running && <p>{c.preview ? 'Checking' : 'Cleaning up'} your Trakt history: {c.step === 'remove' ? `${n(c.sent)} of ${n(c.to_remove)} removals sent` : `${n(c.plays_read)} plays read`}.</p>}
      {l && !c.running && (l.error
        ? <p>The last clean-up stopped: {l.error}</p>
        : <p>{l.preview ? `Found ${n(l.extra)} extra plays in ${n(l.groups)} groups (nothing was changed)` : `Removed ${n(l.removed)} extra plays in ${n(l.groups)} groups`}{l.kept_for_library ? `; ${n(l.kept_for_library)} kept because your library holds them` : ''}.</p>)}
      {l && !c.running && l.examples?.length > 0 && (
        <ul>{l.examples.slice(0, 5).map((e) => <li key={e.first_at + e.title}>{e.title}: {e.plays} plays from <time dateTime={e.first_at}>{new Date(e.first_at).toLocaleString()}</time></li>)}</ul>
      )}
    </section>
  );
}

function Limits({ limits }) {
  if (!Array.isArray(limits) || !limits.length) return null;
  return (
    <section className="status-card" aria-labelledby="st-limits">
      <h3 id="st-limits">Account limits</h3>
      <ul className="limits">
        {limits.map((l) => {
          const pct = l.limit > 0 ? Math.min(100, Math.round((l.used / l.limit) * 100)) : 0;
          const tone = pct >= 100 ? 'error' : pct >= 90 ? 'warning' : 'success';
          const label = `${l.title ?? l.area[0].toUpperCase() + l.area.slice(1)}: ${l.used.toLocaleString()} of ${l.limit.toLocaleString()}`;
          return (
            <li key={l.area}>
              <span id={`limit-${l.area}`}>{label}</span>
              <progress className={`tone-${tone}`} max={l.limit} value={Math.min(l.used, l.limit)} aria-labelledby={`limit-${l.area}`} />
              {pct >= 90 && <span className={`tone-text-${tone}`}> {pct >= 100 ? 'Full: Trakt refuses more until you make room or go VIP.' : 'Almost full.'}</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const FIXES = {
  connect: ['Connect again', 'connect'],
  retry: ['Retry now', 'retry'],
};

function Problems({ d, now, act, busy }) {
  const list = [...(d.problems ?? [])];
  if (d.last_error) list.push({ message: d.last_error.message, since: d.last_error.at, fix: null });
  const nf = d.not_found ?? [];
  if (!list.length && !nf.length) return null;
  return (
    <section className="status-card tone-error" aria-labelledby="st-problems">
      <h3 id="st-problems">Recent problems</h3>
      <ul className="problems">
        {list.map((p, i) => (
          <li key={i}>
            {p.message}{p.since ? <span className="muted"> ({relative(p.since, now)})</span> : null}{' '}
            {p.fix === 'admin' && <span>What to do: ask the admin to check the <a href="#/server">server settings</a>.</span>}
            {FIXES[p.fix] && <button type="button" disabled={busy} onClick={() => act(FIXES[p.fix][1])}>{FIXES[p.fix][0]}</button>}
          </li>
        ))}
        {nf.length > 0 && (
          <li>
            Trakt could not find {nf.length === 1 ? 'this item' : `these ${nf.length} items`}: {nf.slice(0, 5).map((m) => m.item).join(', ')}{nf.length > 5 ? ` and ${nf.length - 5} more` : ''}.
            {' '}What to do: open the item in the <a href="#/library">library</a> and use "Fix the Trakt match".
          </li>
        )}
      </ul>
    </section>
  );
}

/** Plays sent and received per day, last 30 days: an SVG bar chart with the numbers as a table too. */
export function PlaysChart({ daily }) {
  if (!Array.isArray(daily) || !daily.length) return null;
  const W = 600, H = 140, pad = 24, bw = (W - pad) / daily.length;
  const max = Math.max(1, ...daily.map((r) => Math.max(r.sent, r.received)));
  const y = (n) => H - pad - (n / max) * (H - pad - 8);
  const sent = daily.reduce((a, r) => a + r.sent, 0);
  const received = daily.reduce((a, r) => a + r.received, 0);
  return (
    <section className="status-card" aria-labelledby="st-chart">
      <h3 id="st-chart">Plays in the last 30 days</h3>
      <p>{sent.toLocaleString()} sent to Trakt, {received.toLocaleString()} received from Trakt.</p>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={`Bar chart: ${sent} plays sent and ${received} received over the last 30 days`} data-testid="plays-chart">
        <line x1={pad} y1={H - pad} x2={W} y2={H - pad} className="axis" />
        <text x={pad - 4} y={12} className="tick" textAnchor="end">{max}</text>
        <text x={pad - 4} y={H - pad} className="tick" textAnchor="end">0</text>
        {daily.map((r, i) => (
          <g key={r.day}>
            <rect x={pad + i * bw + 1} y={y(r.sent)} width={bw / 2 - 1} height={H - pad - y(r.sent)} className="bar-sent"><title>{`${shortDay(r.day)}: ${r.sent} sent`}</title></rect>
            <rect x={pad + i * bw + bw / 2} y={y(r.received)} width={bw / 2 - 1} height={H - pad - y(r.received)} className="bar-received"><title>{`${shortDay(r.day)}: ${r.received} received`}</title></rect>
            {i % 7 === 0 && <text x={pad + i * bw} y={H - 6} className="tick">{shortDay(r.day)}</text>}
          </g>
        ))}
      </svg>
      <p className="legend"><span className="key bar-sent" aria-hidden="true" /> Sent to Trakt <span className="key bar-received" aria-hidden="true" /> Received from Trakt</p>
      <details>
        <summary>The numbers per day</summary>
        <table className="daily">
          <caption className="sr-only">Plays per day</caption>
          <thead><tr><th scope="col">Day</th><th scope="col">Sent</th><th scope="col">Received</th></tr></thead>
          <tbody>{daily.filter((r) => r.sent || r.received).map((r) => <tr key={r.day}><th scope="row">{shortDay(r.day)}</th><td>{r.sent}</td><td>{r.received}</td></tr>)}</tbody>
        </table>
      </details>
    </section>
  );
}

/**
 * What a sync or a dry run answered, in words: the plugin's report per area with the
 * areas' titles (the status rows know them); a sync still running says so.
 */
export function SyncResult({ out, rows, dry }) {
  if (out.ok === false) return <p>{out.message}</p>;
  const report = out.data?.report;
  if (out.data?.done === false) return <p>{dry ? 'The dry run' : 'The sync'} continues in the background; the table shows how it went when it is done.</p>;
  if (!report) return <p>{out.message}</p>;
  const lines = (rows ?? []).filter((r) => r.direction !== 'off' && report[r.area]).map((r) => {
    const x = report[r.area];
    return [r.title, changedWords({ ...r, dry_run: dry, changed: { added_on_trakt: dry ? x.toRemote : x.sentRemote, removed_on_trakt: x.removeRemote, added_here: dry ? x.toLocal : Math.min(x.toLocal, x.sentLocal), removed_here: x.removeLocal } })];
  });
  return (
    <>
      <p>{dry ? 'Nothing was changed. A sync now would do this:' : 'Sync finished:'}</p>
      <ul>{lines.map(([t, w]) => <li key={t}><strong>{t}</strong>: {w}.</li>)}</ul>
    </>
  );
}

/**
 * The whole status. `out` is the status action's answer; `slots` holds the outputs of
 * the buttons pressed here (shown beside the button that made them).
 */
export function StatusView({ out, act, busy, slots = {} }) {
  const d = out?.data;
  if (!d || !d.connection) return <p className="pre" data-testid="status-text">{out?.message}</p>;
  const now = Date.now();
  const canRetry = d.connection === 'connected';
  return (
    <div className="status-view">
      <Connection d={d} now={now} act={act} busy={busy}>{slots.connect}</Connection>
      <Problems d={d} now={now} act={act} busy={busy} />
      <Waiting w={d.waiting} now={now} act={act} busy={busy} canRetry={canRetry}>{slots.retry}</Waiting>
      <Areas d={d} nextTick={out.host?.next_tick_at} now={now} act={act} busy={busy}>{slots.sync}</Areas>
      <Limits limits={d.limits} />
      <Cleanup c={d.cleanup} />
      <PlaysChart daily={d.daily} />
      <details className="as-text">
        <summary>The status as text</summary>
        <p className="pre" data-testid="status-text">{out.message}</p>
      </details>
    </div>
  );
}
