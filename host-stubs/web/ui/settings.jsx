// The server and user settings pages (the manifest's form and the scope's actions), and
// a user's status page (the status and the actions, no form).
import { useState } from 'react';
import { post } from './api.js';
import { SettingsForm } from './forms.jsx';
import { ActionsPanel } from './actions.jsx';
import { ErrorBox, Loading, useLoad } from './common.jsx';

/** Against the simulator: which values to use, and a button that fills them in. */
function SimulatorHelp({ values, fill }) {
  return (
    <div className="info-box" aria-label="Running against the Trakt simulator">
      <p>
        <strong>This host runs against the Trakt simulator.</strong> It accepts any client ID and secret that are not
        blank; values in Trakt's form (64 characters of 0-9 and a-f) are filled in by the button. Leave the redirect URI
        empty: users sign in with a code.
      </p>
      <button type="button" onClick={() => fill({ client_id: values.client_id, client_secret: values.client_secret })}>Fill simulator values</button>
    </div>
  );
}

export function SettingsPage({ scope, user, state }) {
  const path = scope === 'server' ? '/settings/server' : `/settings/user?user=${encodeURIComponent(user)}`;
  const [view, reload] = useLoad(state?.installed ? path : null, [state?.installed?.version]);
  const [saves, setSaves] = useState(0); // a save changes what the status says (directions): it is asked again
  if (!state?.installed) return <><h1>{scope === 'server' ? 'Server settings' : 'My settings'}</h1><p>No plugin is installed. <a href="#/catalog">Open the catalog</a>.</p></>;
  const name = state.installed.name;
  const heading = scope === 'server' ? `${name}: server settings` : `${name}: settings of ${state.users.find((u) => u.id === user)?.name ?? user}`;
  const sim = scope === 'server' && state.simulator_values;
  return (
    <>
      <h1>{heading}</h1>
      {scope === 'server' && <p className="muted">Set by the admin for everyone.</p>}
      {scope === 'user' && <p><a href="#/status">See your status at a glance</a></p>}
      {view.loading && <Loading />}
      {view.error && <ErrorBox error={view.error} />}
      {view.data?.form && (
        <SettingsForm key={`${scope}:${user}:${state.installed.version}`} title={heading} view={view.data}
          tools={sim ? (fill) => <SimulatorHelp values={state.simulator_values} fill={fill} /> : undefined}
          onSave={async (body) => { const next = await post(path.split('?')[0], { ...body, user }); reload(); setSaves((n) => n + 1); return next; }} />
      )}
      {view.data && !view.data.form && <p>This plugin has no {scope} settings.</p>}
      {view.data && (
        <>
          <h2>{scope === 'server' ? 'Server actions' : 'Actions'}</h2>
          <ActionsPanel key={`${scope}:${user}:${saves}`} actions={view.data.actions} user={scope === 'server' ? undefined : user} simulator={state.simulator} />
        </>
      )}
    </>
  );
}

/** A user's status at a glance, with the buttons beside what can be acted on. */
export function StatusPage({ user, state }) {
  const path = `/settings/user?user=${encodeURIComponent(user)}`;
  const [view] = useLoad(state?.installed ? path : null, [state?.installed?.version]);
  const who = state?.users?.find((u) => u.id === user)?.name ?? user;
  if (!state?.installed) return <><h1>Trakt status</h1><p>No plugin is installed. <a href="#/catalog">Open the catalog</a>.</p></>;
  return (
    <>
      <h1>{state.installed.name}: status of {who}</h1>
      <p><a href="#/user">Your settings</a></p>
      {view.loading && <Loading />}
      {view.error && <ErrorBox error={view.error} />}
      {view.data && <ActionsPanel key={`status:${user}`} actions={view.data.actions} user={user} simulator={state.simulator} title="Status and actions" list={false} />}
    </>
  );
}
