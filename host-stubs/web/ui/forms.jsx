// Forms rendered by JSONForms from the manifest: settings pages and action params.
// JSONForms runs uncontrolled: it gets data to start from (again only after a save or a
// discard, with a fresh key) and reports every change with its Ajv errors. Feeding each
// change back as a prop would race its own state and can drop a keystroke.
// writeOnly fields get a renderer of their own: the page never has their value, so it
// shows "Saved" with Replace and Clear, or a password field for a new value. A saved
// secret the page does not have counts as present: it is taken out of `required` in the
// schema JSONForms validates with; clearing a required one is refused by the page.
import { createContext, useContext, useMemo, useRef, useState } from 'react';
import { JsonForms, withJsonFormsControlProps } from '@jsonforms/react';
import { vanillaCells, vanillaRenderers } from '@jsonforms/vanilla-renderers';
import { and, createAjv, isControl, rankWith, schemaMatches } from '@jsonforms/core';

const SecretsContext = createContext({ saved: [], cleared: [], setCleared: () => {}, schema: {} });
const ajv = createAjv({ allErrors: true, verbose: true, strict: false });
ajv.addFormat('password', true);
const CONFIG = { showUnfocusedDescription: true };

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
function deleteAt(obj, pointer) {
  const ps = partsOf(pointer);
  let n = obj;
  for (const p of ps.slice(0, -1)) {
    if (n[p] === null || typeof n[p] !== 'object') return;
    n = n[p];
  }
  delete n[ps[ps.length - 1]];
}
/** The schema node that holds the property a pointer names, and that property's name. */
function parentOf(schema, pointer) {
  const ps = partsOf(pointer);
  let s = schema;
  for (const p of ps.slice(0, -1)) s = s?.properties?.[p];
  return { node: s, name: ps[ps.length - 1] };
}
const isRequired = (schema, pointer) => {
  const { node, name } = parentOf(schema, pointer);
  return Array.isArray(node?.required) && node.required.includes(name);
};

function SecretControl({ data, handleChange, path, label, id, errors, description, visible, enabled }) {
  const { saved, cleared, setCleared, schema } = useContext(SecretsContext);
  const pointer = pointerOf(path);
  // From the manifest's schema: the one JSONForms validates with drops saved secrets from `required`.
  const required = isRequired(schema, pointer);
  const isSaved = saved.includes(pointer);
  const isCleared = cleared.includes(pointer);
  const [replacing, setReplacing] = useState(false);
  if (!visible) return null;
  const inputId = `${id}-input`;
  const problem = isCleared && required ? 'is required: it cannot be cleared, only replaced' : errors;
  const help = problem ? <div className="validation_error" id={`${inputId}-help`}>{problem}</div> : description ? <div className="input-description" id={`${inputId}-help`}>{description}</div> : null;
  let body;
  if (isCleared) {
    body = (
      <div className="secret-row">
        <span className="secret-state" id={inputId}>Will be cleared when you save</span>
        <button type="button" onClick={() => setCleared(pointer, false)}>Undo</button>
      </div>
    );
  } else if (isSaved && !replacing) {
    body = (
      <div className="secret-row">
        <span className="secret-state" id={inputId}>Saved</span>
        <button type="button" disabled={!enabled} onClick={() => setReplacing(true)} aria-label={`Replace ${label}`}>Replace</button>
        <button type="button" disabled={!enabled} onClick={() => setCleared(pointer, true)} aria-label={`Clear ${label}`}>Clear</button>
      </div>
    );
  } else {
    body = (
      <div className="secret-row">
        <input type="password" id={inputId} autoComplete="new-password" value={data ?? ''} disabled={!enabled}
          aria-describedby={help ? `${inputId}-help` : undefined} aria-invalid={problem ? 'true' : undefined}
          onChange={(e) => handleChange(path, e.target.value === '' ? undefined : e.target.value)} />
        {isSaved && <button type="button" onClick={() => { setReplacing(false); handleChange(path, undefined); }}>Keep saved</button>}
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

function summaryOf(schema, errors) {
  return [...new Set(errors.map((e) => {
    const pointer = e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty}` : e.instancePath;
    return `${labelOf(schema, pointer)}: ${e.keyword === 'required' ? 'is required' : e.message}`;
  }))];
}

/**
 * A settings page: `view` = { form: { schema, uiSchema }, values, secretsSet, secretPaths }.
 * `onSave({ values, secrets })` resolves to the new view or throws (shown as a refusal).
 */
export function SettingsForm({ view, onSave, title }) {
  const { schema, uiSchema } = view.form;
  const [gen, setGen] = useState(0);
  const [base, setBase] = useState(() => ({ values: withDefaults(schema, view.values), saved: view.secretsSet }));
  const [data, setData] = useState(base.values);
  const [errors, setErrors] = useState([]);
  const [cleared, setClearedList] = useState([]);
  const [state, setState] = useState({ kind: 'idle' });
  const last = useRef(JSON.stringify(base.values));
  // A saved secret is present even though the page does not hold it.
  const validateWith = useMemo(() => {
    const s = structuredClone(schema);
    for (const p of base.saved) {
      const { node, name } = parentOf(s, p);
      if (Array.isArray(node?.required)) node.required = node.required.filter((r) => r !== name);
    }
    return s;
  }, [schema, base]);
  const clearProblems = cleared.filter((p) => isRequired(schema, p)).map((p) => `${labelOf(schema, p)}: is required; it cannot be cleared, only replaced`);
  const summary = [...summaryOf(schema, errors), ...clearProblems];
  const dirty = JSON.stringify(data) !== JSON.stringify(base.values) || cleared.length > 0;
  const edited = () => setState((st) => (st.kind === 'saved' || st.kind === 'refused' ? { kind: 'idle' } : st));
  const restart = (values, saved) => {
    const b = { values, saved };
    setBase(b);
    setData(values);
    setErrors([]);
    setClearedList([]);
    last.current = JSON.stringify(values);
    setGen((g) => g + 1);
  };
  const secrets = useMemo(() => ({
    schema,
    saved: base.saved,
    cleared,
    setCleared: (p, on) => { setClearedList((l) => (on ? [...l.filter((x) => x !== p), p] : l.filter((x) => x !== p))); edited(); },
  }), [schema, base, cleared]);

  async function save(e) {
    e.preventDefault();
    if (summary.length) return;
    const values = structuredClone(data);
    const out = {};
    for (const p of view.secretPaths) {
      const v = getAt(values, p);
      deleteAt(values, p);
      if (typeof v === 'string') out[p] = v;
    }
    for (const p of cleared) out[p] = null;
    setState({ kind: 'saving' });
    try {
      const next = await onSave({ values, secrets: out });
      restart(withDefaults(schema, next.values), next.secretsSet);
      setState({ kind: 'saved' });
    } catch (err) {
      setState({ kind: 'refused', message: err.message });
    }
  }

  return (
    <form className="settings-form" onSubmit={save} noValidate aria-label={title}>
      <SecretsContext.Provider value={secrets}>
        <JsonForms key={gen} schema={validateWith} uischema={uiSchema} data={base.values} renderers={renderers} cells={vanillaCells}
          ajv={ajv} validationMode="ValidateAndShow" config={CONFIG}
          onChange={({ data: d, errors: errs }) => {
            setErrors(errs ?? []);
            const text = JSON.stringify(d);
            if (text === last.current) return; // JSONForms also reports the data it started from
            last.current = text;
            setData(d);
            edited();
          }} />
      </SecretsContext.Provider>
      {summary.length > 0 && (
        <div className="error-summary" role="alert" aria-label="Problems in the form">
          <p>Please fix {summary.length === 1 ? 'this' : `these ${summary.length}`} before saving:</p>
          <ul>{summary.map((s) => <li key={s}>{s}</li>)}</ul>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!dirty || summary.length > 0 || state.kind === 'saving'}>Save</button>
        {dirty && <button type="button" onClick={() => { restart(base.values, base.saved); setState({ kind: 'idle' }); }}>Discard changes</button>}
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
  const [start] = useState(() => withDefaults(form.schema, {}));
  const [data, setData] = useState(start);
  const [errors, setErrors] = useState([]);
  const summary = summaryOf(form.schema, errors);
  return (
    <form className="params-form" noValidate onSubmit={(e) => { e.preventDefault(); if (!summary.length) onSubmit(data); }} aria-label={`${submitLabel} parameters`}>
      <JsonForms schema={form.schema} uischema={form.uiSchema} data={start} renderers={renderers} cells={vanillaCells}
        ajv={ajv} validationMode="ValidateAndShow" config={CONFIG} onChange={({ data: d, errors: errs }) => { setData(d); setErrors(errs ?? []); }} />
      {summary.length > 0 && <div className="error-summary" role="alert"><ul>{summary.map((s) => <li key={s}>{s}</li>)}</ul></div>}
      <button type="submit" className="primary" disabled={summary.length > 0 || busy}>{submitLabel}</button>
    </form>
  );
}
