// Forms rendered by JSONForms from the manifest: settings pages and action params.
// writeOnly fields get a renderer of their own: the page never has their value, so it
// shows "saved" with Replace and Clear, or a password field for a new value. The page
// validates with Ajv itself (errors at the field through additionalErrors, and in a
// summary), because a saved secret it does not have must count as present.
import { createContext, useContext, useMemo, useState } from 'react';
import { JsonForms, withJsonFormsControlProps } from '@jsonforms/react';
import { vanillaCells, vanillaRenderers } from '@jsonforms/vanilla-renderers';
import { and, createAjv, isControl, rankWith, schemaMatches } from '@jsonforms/core';

const SecretsContext = createContext({ saved: [] });
const ajv = createAjv({ allErrors: true, verbose: true, strict: false });
ajv.addFormat('password', true);

/** `a.b` (a JSONForms path) -> `/a/b` (a JSON pointer, as the host names secrets). */
const pointerOf = (path) => `/${path.split('.').map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
const partsOf = (pointer) => pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
function getAt(obj, pointer) {
  let n = obj;
  for (const p of partsOf(pointer)) {
    if (n === null || typeof n !== 'object' || !(p in n)) return undefined;
    n = n[p];
  }
  return n;
}
function setAt(obj, pointer, value) {
  const ps = partsOf(pointer);
  let n = obj;
  for (const p of ps.slice(0, -1)) {
    if (n[p] === null || typeof n[p] !== 'object') n[p] = {};
    n = n[p];
  }
  if (value === undefined) delete n[ps[ps.length - 1]];
  else n[ps[ps.length - 1]] = value;
}

// data: undefined = keep what is saved; '' = replacing, nothing typed yet; a string = the
// new value; null = clear it on save.
function SecretControl({ data, handleChange, path, label, id, errors, description, required, visible, enabled }) {
  const { saved } = useContext(SecretsContext);
  const isSaved = saved.includes(pointerOf(path));
  if (!visible) return null;
  const inputId = `${id}-input`;
  const help = errors ? <div className="validation_error" id={`${inputId}-help`}>{errors}</div> : description ? <div className="input-description" id={`${inputId}-help`}>{description}</div> : null;
  let body;
  if (data === null) {
    body = (
      <div className="secret-row">
        <span className="secret-state" id={inputId}>Will be cleared when you save</span>
        <button type="button" onClick={() => handleChange(path, undefined)}>Undo</button>
      </div>
    );
  } else if (isSaved && data === undefined) {
    body = (
      <div className="secret-row">
        <span className="secret-state" id={inputId}>Saved</span>
        <button type="button" disabled={!enabled} onClick={() => handleChange(path, '')} aria-label={`Replace ${label}`}>Replace</button>
        <button type="button" disabled={!enabled} onClick={() => handleChange(path, null)} aria-label={`Clear ${label}`}>Clear</button>
      </div>
    );
  } else {
    body = (
      <div className="secret-row">
        <input type="password" id={inputId} autoComplete="new-password" value={data ?? ''} disabled={!enabled}
          aria-describedby={help ? `${inputId}-help` : undefined} aria-invalid={errors ? 'true' : undefined}
          onChange={(e) => handleChange(path, e.target.value === '' && !isSaved ? undefined : e.target.value)} />
        {isSaved && <button type="button" onClick={() => handleChange(path, undefined)}>Keep saved</button>}
      </div>
    );
  }
  return (
    <div className="control secret">
      <label htmlFor={inputId}>{label}{required ? ' *' : ''}</label>
      {body}
      {help}
    </div>
  );
}
const secretTester = rankWith(10, and(isControl, schemaMatches((s) => s?.writeOnly === true)));
const renderers = [...vanillaRenderers, { tester: secretTester, renderer: withJsonFormsControlProps(SecretControl) }];

/** Schema defaults of top-level properties, under what was saved. */
export function withDefaults(schema, values) {
  const out = structuredClone(values ?? {});
  for (const [k, p] of Object.entries(schema?.properties ?? {})) {
    if (!(k in out) && p && 'default' in p && !p.writeOnly) out[k] = structuredClone(p.default);
  }
  return out;
}

const labelOf = (schema, pointer) => {
  let s = schema;
  for (const p of partsOf(pointer)) s = s?.properties?.[p];
  return s?.title ?? (partsOf(pointer).pop() || 'form');
};

/** Ajv errors for the data as it will be saved (a kept secret counts as present). */
function validate(schema, data, secretPaths, saved) {
  const probe = structuredClone(data);
  for (const p of secretPaths) {
    const v = getAt(data, p);
    if ((v === undefined || v === '') && saved.includes(p)) setAt(probe, p, 'kept secret');
    if (v === null) setAt(probe, p, undefined);
  }
  const fn = ajv.compile(schema);
  return fn(probe) ? [] : fn.errors ?? [];
}

function summaryOf(schema, errors) {
  return errors.map((e) => {
    const pointer = e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty}` : e.instancePath;
    return `${labelOf(schema, pointer)}: ${e.keyword === 'required' ? 'is required' : e.message}`;
  });
}

/**
 * A settings page: `view` = { form: { schema, uiSchema }, values, secretsSet, secretPaths }.
 * `onSave({ values, secrets })` resolves to the new view or throws (shown as a refusal).
 */
export function SettingsForm({ view, onSave, title }) {
  const { schema, uiSchema } = view.form;
  const initial = useMemo(() => withDefaults(schema, view.values), [view]);
  // '' in a secret means "replacing, nothing typed": the same as unchanged.
  const comparable = (d) => { const c = structuredClone(d); for (const p of view.secretPaths) if (getAt(c, p) === '') setAt(c, p, undefined); return JSON.stringify(c); };
  const [data, setData] = useState(initial);
  const [state, setState] = useState({ kind: 'idle' });
  const errors = useMemo(() => validate(schema, data, view.secretPaths, view.secretsSet), [schema, data, view]);
  const dirty = comparable(data) !== JSON.stringify(initial);
  const summary = summaryOf(schema, errors);

  async function save(e) {
    e.preventDefault();
    if (errors.length) return;
    const values = structuredClone(data);
    const secrets = {};
    for (const p of view.secretPaths) {
      const v = getAt(values, p);
      setAt(values, p, undefined);
      if (v !== undefined && v !== '') secrets[p] = v;
    }
    setState({ kind: 'saving' });
    try {
      const next = await onSave({ values, secrets });
      setData(withDefaults(schema, next.values));
      setState({ kind: 'saved' });
    } catch (err) {
      setState({ kind: 'refused', message: err.message });
    }
  }

  return (
    <form className="settings-form" onSubmit={save} noValidate aria-label={title}>
      <SecretsContext.Provider value={{ saved: view.secretsSet }}>
        <JsonForms schema={schema} uischema={uiSchema} data={data} renderers={renderers} cells={vanillaCells}
          validationMode="NoValidation" additionalErrors={errors} config={{ showUnfocusedDescription: true }}
          onChange={({ data: d }) => {
            // JSONForms also reports the data it was given: only a real edit clears "Saved."
            if (JSON.stringify(d) === JSON.stringify(data)) return;
            setData(d);
            if (state.kind === 'saved' || state.kind === 'refused') setState({ kind: 'idle' });
          }} />
      </SecretsContext.Provider>
      {summary.length > 0 && (
        <div className="error-summary" role="alert" aria-label="Problems in the form">
          <p>Please fix {summary.length === 1 ? 'this' : `these ${summary.length}`} before saving:</p>
          <ul>{summary.map((s) => <li key={s}>{s}</li>)}</ul>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!dirty || errors.length > 0 || state.kind === 'saving'}>Save</button>
        {dirty && <button type="button" onClick={() => { setData(initial); setState({ kind: 'idle' }); }}>Discard changes</button>}
        <span role="status" aria-live="polite" className={`save-state ${state.kind}`}>
          {state.kind === 'saved' ? 'Saved.' : state.kind === 'saving' ? 'Saving…' : ''}
        </span>
      </div>
      {state.kind === 'refused' && <div className="error-box" role="alert"><strong>The host refused to save:</strong> <span className="pre">{state.message}</span></div>}
    </form>
  );
}

/** An action's params form: validated by the page, then by the host before the plugin runs. */
export function ParamsForm({ form, onSubmit, submitLabel, busy }) {
  const [data, setData] = useState(() => withDefaults(form.schema, {}));
  const errors = useMemo(() => validate(form.schema, data, [], []), [form, data]);
  const summary = summaryOf(form.schema, errors);
  return (
    <form className="params-form" noValidate onSubmit={(e) => { e.preventDefault(); if (!errors.length) onSubmit(data); }} aria-label={`${submitLabel} parameters`}>
      <JsonForms schema={form.schema} uischema={form.uiSchema} data={data} renderers={renderers} cells={vanillaCells}
        validationMode="NoValidation" additionalErrors={errors} config={{ showUnfocusedDescription: true }} onChange={({ data: d }) => setData(d)} />
      {summary.length > 0 && <div className="error-summary" role="alert"><ul>{summary.map((s) => <li key={s}>{s}</li>)}</ul></div>}
      <button type="submit" className="primary" disabled={errors.length > 0 || busy}>{submitLabel}</button>
    </form>
  );
}
