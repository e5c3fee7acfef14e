// Shared pieces of the pages: the hash route, loading a view, error and loading boxes.
import { useCallback, useEffect, useState } from 'react';
import { get } from './api.js';

export function useHash() {
  const [hash, setHash] = useState(() => location.hash || '#/catalog');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/catalog');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** Loads `path` (again when `deps` change); `reload()` refetches. */
export function useLoad(path, deps = []) {
  const [state, setState] = useState({ loading: true });
  const load = useCallback(() => {
    if (!path) return;
    get(path).then((data) => setState({ data }), (error) => setState({ error }));
  }, [path]);
  useEffect(() => { setState({ loading: true }); load(); }, [path, ...deps]);
  return [state, load];
}

export const ErrorBox = ({ error, children }) => (
  <div className="error-box" role="alert"><span className="pre">{error?.message ?? String(error)}</span>{children}</div>
);
export const Loading = () => <p aria-live="polite">Loading…</p>;
