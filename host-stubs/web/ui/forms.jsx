// Forms rendered by JSONForms from the manifest: settings pages and action params.
// JSONForms runs uncontrolled: it gets data to start from (again only after a save or a
// discard, with a fresh key) and reports every change with its Ajv errors. Feeding each
// change back as a prop would race its own state and can drop a keystroke.
// writeOnly fields get a renderer of their own: the page never has their value, so it
// shows "Saved" with Replace and Clear, or a password field for a new value. A saved
// secret the page does not have counts as present: it is taken out of `required` in the
// schema JSONForms validates with; clearing a required one is refused by the page.
// Validation speaks for people (words.js): a field's problem shows once the field was
// left (touched) or Save was pressed, with the same words at the field and in the summary.
// A list of strings is a chip input: a labelled text field, Add, and chips with Remove.
import { createContext, useCallback, useContext, useMemo, useRef, useState } from 'react';
import { JsonForms, withJsonFormsControlProps } from '@jsonforms/react';
import { vanillaCells, vanillaRenderers } from '@jsonforms/vanilla-renderers';
import { and, createAjv, isControl, rankWith, schemaMatches } from '@jsonforms/core';
import { humanError, looksLikeHint } from './words.js';

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
  const problem = isCleared && required ? 'It is needed, so it cannot be cleared, only replaced.' : errors;
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

/** A list of strings as chips: no empty entry, no twice the same, removal without a dialog. */
function ChipsControl({ data, handleChange, path, label, id, description, visible, enabled, errors }) {
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  if (!visible) return null;
  const items = Array.isArray(data) ? data : [];
  const inputId = `${id}-input`;
  const add = () => {
    const v = text.trim();
    if (!v) return setNote('Type a title first.');
    if (items.some((x) => x.toLowerCase() === v.toLowerCase())) return setNote(`"${v}" is in the list already.`);
    handleChange(path, [...items, v]);
    setText('');
    setNote(`Added "${v}".`);
  };
  return (
    <div className="control chips" id={id}>
      <label htmlFor={inputId}>{label}</label>
      {description && <div className="input-description" id={`${inputId}-help`}>{description}</div>}
      <ul className="chip-list" aria-label={`Entries (${items.length})`}>
        {items.map((x, i) => (
          <li key={`${x}-${i}`} className="chip">
            <span>{x}</span>
            <button type="button" disabled={!enabled} aria-label={`Remove ${x}`} onClick={() => { handleChange(path, items.filter((_, j) => j !== i)); setNote(`Removed "${x}".`); }}>×</button>
          </li>
        ))}
      </ul>
      <div className="chip-add">
        <input id={inputId} value={text} disabled={!enabled} aria-describedby={description ? `${inputId}-help` : undefined}
          onChange={(e) => { setText(e.target.value); setNote(''); }}
          onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } }} />
        <button type="button" disabled={!enabled} onClick={add}>Add</button>
      </div>
      <div className="muted" role="status" aria-live="polite">{note}</div>
      {errors && <div className="validation_error">{errors}</div>}
    </div>
  );
}
const chipsTester = rankWith(10, and(isControl, schemaMatches((s) => s?.type === 'array' && s?.items?.type === 'string' && !s?.items?.enum)));
const renderers = [...vanillaRenderers,
  { tester: secretTester, renderer: withJsonFormsControlProps(SecretControl) },
  { tester: chipsTester, renderer: withJsonFormsControlProps(ChipsControl) }];

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

const schemaAt = (schema, pointer) => {
  let s = schema;
  for (const p of partsOf(pointer)) s = s?.properties?.[p];
  return s;
};
const pointerOfError = (e) => (e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty}` : e.instancePath);
/** A JSONForms control id (`#/properties/a/properties/b`) as a JSON pointer (`/a/b`). */
const pointerOfControl = (id) => id.replace(/-input$/, '').replace(/^#/, '').replace(/\/properties\//g, '/');

/**
 * The problems of a form in words, shown for touched fields and after a Save: `shown`
 * goes to JSONForms as its errors (at the field), `summary` is the list above Save.
 */
export function useHumanErrors(schema) {
  const [raw, setRaw] = useState([]);
  const [touched, setTouched] = useState(() => new Set());
  const [all, setAll] = useState(false);
  const problems = useMemo(() => {
    const seen = new Set();
    const out = [];
    for (const e of raw) {
      const pointer = pointerOfError(e);
      if (seen.has(pointer) || ['oneOf', 'anyOf', 'allOf', 'if'].includes(e.keyword) && raw.some((x) => x !== e && pointerOfError(x) === pointer)) continue;
      seen.add(pointer);
      out.push({ pointer, message: humanError(e, schemaAt(schema, pointer)) });
    }
    return out;
  }, [raw, schema]);
  const visible = problems.filter((p) => all || touched.has(p.pointer));
  const shown = useMemo(() => visible.map((p) => ({ instancePath: p.pointer, keyword: 'human', message: p.message, params: {}, schemaPath: '#' })), [JSON.stringify(visible)]);
  const summary = visible.map((p) => `${labelOf(schema, p.pointer)}: ${p.message}`);
  const onBlur = useCallback((e) => {
    // Leaving a field for Save: Save shows everything at once; a message appearing now
    // would move the button away from under the pointer and the click would be lost.
    if (e.relatedTarget?.type === 'submit') return;
    const id = e.target.closest?.('[id^="#/properties/"]')?.id;
    if (id) setTouched((t) => (t.has(pointerOfControl(id)) ? t : new Set([...t, pointerOfControl(id)])));
  }, []);
  const reset = useCallback(() => { setTouched(new Set()); setAll(false); }, []);
  return { setRaw, shown, summary, blocked: problems.length > 0, revealAll: () => setAll(true), onBlur, reset };
}

/** Strings trimmed (a pasted id with a space is the same id); a string that was only spaces is gone. */
function trimmed(values) {
  const out = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string') { if (v.trim()) out[k] = v.trim(); } else out[k] = v;
  }
  return out;
}

/**
 * A settings page: `view` = { form: { schema, uiSchema }, values, secretsSet, secretPaths }.
 * `onSave({ values, secrets })` resolves to the new view or throws (shown as a refusal).
 * `tools(fill)` renders extra controls above the form; `fill(values)` puts values in the
 * form as if typed (the admin still saves).
 */
export function SettingsForm({ view, onSave, title, tools }) {
  const { schema, uiSchema } = view.form;
  const [gen, setGen] = useState(0);
  const [base, setBase] = useState(() => ({ values: withDefaults(schema, view.values), saved: view.secretsSet }));
  const [data, setData] = useState(base.values);
  const [cleared, setClearedList] = useState([]);
  const [state, setState] = useState({ kind: 'idle' });
  const last = useRef(JSON.stringify(base.values));
  const v = useHumanErrors(schema);
  // JSONForms takes its data prop again whenever another prop (the errors shown) changes:
  // it gets what it reported last then, and only then (see the top of this file).
  const formData = useMemo(() => data, [v.shown, gen]); // eslint-disable-line react-hooks/exhaustive-deps
  // A saved secret is present even though the page does not hold it.
  const validateWith = useMemo(() => {
    const s = structuredClone(schema);
    for (const p of base.saved) {
      const { node, name } = parentOf(s, p);
      if (Array.isArray(node?.required)) node.required = node.required.filter((r) => r !== name);
    }
    return s;
  }, [schema, base]);
  const clearProblems = cleared.filter((p) => isRequired(schema, p)).map((p) => `${labelOf(schema, p)}: it is needed, so it cannot be cleared, only replaced.`);
  const summary = [...v.summary, ...clearProblems];
  const hints = Object.keys(schema.properties ?? {}).map((k) => ({ k, hint: looksLikeHint(schema.properties[k], data?.[k]) })).filter((h) => h.hint);
  const dirty = JSON.stringify(data) !== JSON.stringify(base.values) || cleared.length > 0;
  const edited = () => setState((st) => (st.kind === 'saved' || st.kind === 'refused' ? { kind: 'idle' } : st));
  const restartWith = (values, b) => {
    if (b) setBase(b);
    setData(values);
    if (b) setClearedList([]);
    v.reset();
    last.current = JSON.stringify(values);
    setGen((g) => g + 1);
  };
  const restart = (values, saved) => restartWith(values, { values, saved });
  const fill = (values) => { restartWith({ ...data, ...values }); edited(); };
  const secrets = useMemo(() => ({
    schema,
    saved: base.saved,
    cleared,
    setCleared: (p, on) => { setClearedList((l) => (on ? [...l.filter((x) => x !== p), p] : l.filter((x) => x !== p))); edited(); },
  }), [schema, base, cleared]);

  async function save(e) {
    e.preventDefault();
    v.revealAll();
    if (v.blocked || clearProblems.length) return;
    const values = trimmed(structuredClone(data));
    const out = {};
    for (const p of view.secretPaths) {
      const x = getAt(values, p);
      deleteAt(values, p);
      if (typeof x === 'string') out[p] = x;
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
    <form className="settings-form" onSubmit={save} onBlur={v.onBlur} noValidate aria-label={title}>
      {tools?.(fill)}
      <SecretsContext.Provider value={secrets}>
        <JsonForms key={gen} schema={validateWith} uischema={uiSchema} data={formData} renderers={renderers} cells={vanillaCells}
          ajv={ajv} validationMode="ValidateAndHide" additionalErrors={v.shown} config={CONFIG}
          onChange={({ data: d, errors: errs }) => {
            v.setRaw(errs ?? []);
            const text = JSON.stringify(d);
            if (text === last.current) return; // JSONForms also reports the data it started from
            last.current = text;
            setData(d);
            edited();
          }} />
      </SecretsContext.Provider>
      {hints.length > 0 && (
        <div className="warn-box" role="status" aria-label="Values to check">
          <ul>{hints.map((h) => <li key={h.k}>{labelOf(schema, `/${h.k}`)}: {h.hint}</li>)}</ul>
        </div>
      )}
      {summary.length > 0 && (
        <div className="error-summary" role="alert" aria-label="Problems in the form">
          <p>Please fix {summary.length === 1 ? 'this' : `these ${summary.length}`} before saving:</p>
          <ul>{summary.map((x) => <li key={x}>{x}</li>)}</ul>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!dirty || state.kind === 'saving'}>Save</button>
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
  const [data, setData] = useState(() => withDefaults(form.schema, {}));
  const v = useHumanErrors(form.schema);
  const formData = useMemo(() => data, [v.shown]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <form className="params-form" noValidate onBlur={v.onBlur} onSubmit={(e) => { e.preventDefault(); v.revealAll(); if (!v.blocked) onSubmit(trimmed(data)); }} aria-label={`${submitLabel} parameters`}>
      <JsonForms schema={form.schema} uischema={form.uiSchema} data={formData} renderers={renderers} cells={vanillaCells}
        ajv={ajv} validationMode="ValidateAndHide" additionalErrors={v.shown} config={CONFIG} onChange={({ data: d, errors: errs }) => { setData(d); v.setRaw(errs ?? []); }} />
      {v.summary.length > 0 && <div className="error-summary" role="alert" aria-label="Problems in the form"><ul>{v.summary.map((x) => <li key={x}>{x}</li>)}</ul></div>}
      <button type="submit" className="primary" disabled={busy}>{submitLabel}</button>
    </form>
  );
}
