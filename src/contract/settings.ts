// The plugin's own (non-area) settings as data: each one's JSON Schema as the settings
// page renders it, with its default. The manifest (src/contract/manifest.ts) and the
// parsing (src/settings/settings.ts) are both derived from here, so they cannot disagree;
// the areas' settings come from their declarations (src/contract/areas.ts).

/** A JSON Schema (draft-07) property of a settings form. */
export type PropertySchema = Record<string, unknown> & { type: string; title: string; description?: string };

/** One setting: its key and schema. `required` server settings must be filled in. */
export interface SettingDecl { key: string; schema: PropertySchema; required?: boolean }

/** Server settings (the admin's). */
export const SERVER_SETTINGS: readonly SettingDecl[] = [
  { key: "client_id", required: true, schema: {"type": "string", "title": "Trakt client ID", "description": "From your Trakt API application (trakt.tv/oauth/applications): 64 characters, 0-9 and a-f.", "minLength": 1, "pattern": "\\S", "errorMessage": {"required": "Enter the client ID of your Trakt API application.", "minLength": "Enter the client ID of your Trakt API application.", "pattern": "The client ID cannot be only spaces: copy it from your Trakt API application."}, "x-looksLike": {"pattern": "^\\s*[0-9a-fA-F]{64}\\s*$", "message": "Trakt's client IDs are 64 characters of 0-9 and a-f; this one does not look like one. Copy it again from trakt.tv/oauth/applications."}} },
  { key: "client_secret", required: true, schema: {"type": "string", "title": "Trakt client secret", "description": "From the same Trakt API application. Stored encrypted.", "writeOnly": true, "minLength": 1, "pattern": "\\S", "errorMessage": {"required": "Enter the client secret of your Trakt API application.", "minLength": "Enter the client secret of your Trakt API application.", "pattern": "The client secret cannot be only spaces: copy it from your Trakt API application."}, "x-looksLike": {"pattern": "^\\s*[0-9a-fA-F]{64}\\s*$", "message": "Trakt's client secrets are 64 characters of 0-9 and a-f; this one does not look like one. Copy it again from trakt.tv/oauth/applications."}} },
  { key: "redirect_uri", schema: {"type": "string", "title": "Redirect URI", "description": "Only for sign-in through the browser: this server's /api/v1/plugins/trakt/callback URL, as registered with the Trakt application. Leave empty to use device codes only.", "pattern": "^\\s*(https://[^\\s/?#]+[^\\s]*)?\\s*$", "errorMessage": {"pattern": "Enter an https:// address (Trakt accepts no other), for example https://media.example.com/api/v1/plugins/trakt/callback, or leave it empty to use sign-in codes only."}} },
];

/** User settings shown before the areas' settings. */
export const USER_SETTINGS_FIRST: readonly SettingDecl[] = [
  { key: 'scrobble', schema: { type: 'boolean', default: true, title: 'Scrobble what I play', description: 'Tell Trakt in real time what you are watching; a movie or episode played past 80% counts as watched.' } },
];

/** User settings shown after the areas' settings. */
export const USER_SETTINGS_LAST: readonly SettingDecl[] = [
  { key: 'scrobble_movies', schema: { type: 'boolean', default: true, title: 'Include movies', description: 'Scrobble and sync movies.' } },
  { key: 'scrobble_episodes', schema: { type: 'boolean', default: true, title: 'Include episodes', description: 'Scrobble and sync TV episodes.' } },
  { key: 'exclude_shows', schema: { type: 'array', items: { type: 'string' }, default: [], title: 'Shows to leave out', description: "Titles of shows (as shown in the library) that are never scrobbled or synced, for example the children's shows." } },
  { key: 'min_progress_percent', schema: { type: 'integer', minimum: 50, maximum: 100, default: 80, title: 'Watched at', description: 'How far into a movie or episode a stop counts as watched. Trakt itself records a play from 80%.' } },
];

/** The default of a declared user setting (throws for an undeclared key: a typo is a bug). */
export function userDefault<T>(key: string): T {
  const d = [...USER_SETTINGS_FIRST, ...USER_SETTINGS_LAST].find((s) => s.key === key);
  if (!d || !('default' in d.schema)) throw new Error(`no declared user setting "${key}" with a default`);
  return d.schema.default as T;
}

/** Bounds of a declared integer setting. */
export function userRange(key: string): { min: number; max: number } {
  const d = USER_SETTINGS_LAST.find((s) => s.key === key)!;
  return { min: d.schema.minimum as number, max: d.schema.maximum as number };
}
