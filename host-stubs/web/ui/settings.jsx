// The server and user settings pages: the manifest's form and the scope's actions.
import { post } from './api.js';
import { SettingsForm } from './forms.jsx';
import { ActionsPanel } from './actions.jsx';
import { ErrorBox, Loading, useLoad } from './common.jsx';

export function SettingsPage({ scope, user, state }) {
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
