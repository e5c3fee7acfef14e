// Words for people: dates in the user's locale with relative time, the kind (tone) of a
// message, and validation messages instead of a schema validator's wording.

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const rel = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS = [['year', 365 * 86_400_000], ['month', 30 * 86_400_000], ['week', 7 * 86_400_000], ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000]];

/** "4 Dec 2026, 19:02" in the user's locale and time zone. */
export const localTime = (iso) => (iso ? dateFmt.format(new Date(iso)) : '');
/** A `YYYY-MM-DD` day as "4 Dec". */
export const shortDay = (day) => dayFmt.format(new Date(`${day}T00:00:00Z`));

/** "in 6 days", "2 hours ago", "now". */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const d = new Date(iso).getTime() - now;
  for (const [unit, ms] of UNITS) if (Math.abs(d) >= ms) return rel.format(Math.round(d / ms), unit);
  return Math.abs(d) < 45_000 ? 'now' : rel.format(Math.round(d / 60_000), 'minute');
}

/** "4 Dec 2026, 19:02 (in 6 days)". */
export const when = (iso, now) => (iso ? `${localTime(iso)} (${relative(iso, now)})` : '');

/** success, warning or error: what a plugin's answer to an event is, for its colour and words. */
export function pluginTone(r) {
  if (!r) return 'success';
  if (r.status === 'done') return /not sent|no longer|failed|refused/i.test(r.detail ?? '') ? 'warning' : 'success';
  if (r.status === 'failed') return 'error';
  return 'warning'; // queued, ignored, not sent
}

/** What happened to an event, in a sentence. */
export function pluginWords(what, r) {
  if (!r) return `${what}.`;
  const detail = r.detail ? ` ${r.detail.charAt(0).toUpperCase()}${r.detail.slice(1).replace(/[.\s]*$/, '.')}` : '';
  switch (r.status) {
    case 'done': return `${what}: the plugin took it.${detail}`;
    case 'queued': return `${what}: kept to send to Trakt later.${detail}`;
    case 'ignored': return `${what}: the plugin left it alone.${detail}`;
    case 'not sent': return `${what}: not sent.${detail}`;
    default: return `${what}: the plugin failed.${detail}`;
  }
}

/** An action's answer: `ok: false` is an error; the plugin may say a success is a warning (`data.tone`). */
export const actionTone = (out) => (out?.ok === false ? 'error' : out?.data?.tone === 'warning' ? 'warning' : 'success');

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/**
 * A validation error in words. The schema may say it itself (`errorMessage`, a string or
 * one per keyword, as ajv-errors reads it); else a sentence per keyword.
 * @param {any} e an Ajv error @param {any} schema the field's schema
 */
export function humanError(e, schema) {
  const own = schema?.errorMessage;
  if (typeof own === 'string') return own;
  if (own && typeof own[e.keyword] === 'string') return own[e.keyword];
  const p = e.params ?? {};
  switch (e.keyword) {
    case 'required': return 'Enter a value: this field is needed.';
    case 'minimum': return `Enter ${p.limit} or more.`;
    case 'maximum': return `Enter ${p.limit} or less.`;
    case 'exclusiveMinimum': return `Enter more than ${p.limit}.`;
    case 'exclusiveMaximum': return `Enter less than ${p.limit}.`;
    case 'minLength': return p.limit === 1 ? 'Enter a value: this field is needed.' : `Enter at least ${plural(p.limit, 'character', 'characters')}.`;
    case 'maxLength': return `Use at most ${plural(p.limit, 'character', 'characters')}.`;
    case 'pattern': return 'This value does not have the expected form.';
    case 'format': return p.format === 'uri' || p.format === 'url' ? 'Enter a full web address, starting with https://.' : `Enter a valid ${p.format}.`;
    case 'type': return p.type === 'integer' ? 'Enter a whole number.' : p.type === 'number' ? 'Enter a number.' : `Enter a ${p.type}.`;
    case 'enum': case 'const': case 'oneOf': return 'Choose one of the options.';
    case 'minItems': return `Add at least ${plural(p.limit, 'entry', 'entries')}.`;
    case 'maxItems': return `Keep at most ${plural(p.limit, 'entry', 'entries')}.`;
    case 'uniqueItems': return 'Each entry can be there only once.';
    default: return e.message ? `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}.` : 'This value is not accepted.';
  }
}

/** How a field's value compares with what the schema says it looks like (`x-looksLike`): a hint, not a refusal. */
export function looksLikeHint(schema, value) {
  const l = schema?.['x-looksLike'];
  if (!l || typeof value !== 'string' || !value.trim()) return null;
  try {
    return new RegExp(l.pattern).test(value) ? null : l.message;
  } catch {
    return null;
  }
}

/** Sync directions in words (the manifest's titles say the same on the settings page). */
export const DIRECTIONS = { off: 'Off', import: 'From Trakt', export: 'To Trakt', both: 'Both ways' };
