// The host's web face: catalog and consent, settings pages and actions rendered from the
// manifest, a library with a small player, and the simulated Trakt account. Routing is
// by the URL hash; the user picker stands in for a login.
import { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { get } from './api.js';
import { ErrorBox, useHash } from './common.jsx';
import { CatalogPage, ReviewPage } from './catalog.jsx';
import { SettingsPage, StatusPage } from './settings.jsx';
import { ItemPage, LibraryPage } from './library.jsx';
import { TraktPage } from './trakt.jsx';
import './style.css';

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
  else if (page === 'status') content = <StatusPage user={user} state={state} />;
  else if (page === 'library') content = <LibraryPage user={user} />;
  else if (page === 'item') content = <ItemPage itemKey={arg} user={user} state={state} />;
  else if (page === 'trakt') content = <TraktPage user={user} state={state} />;
  else content = <CatalogPage state={state} refresh={refresh} />;
  const nav = [['catalog', 'Catalog'], ['server', 'Server settings'], ['status', 'My status'], ['user', 'My settings'], ['library', 'Library'], ['trakt', 'Trakt account']];
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
