// plugin.manifest.json, generated: build.mjs writes it from here (and a test checks the
// committed file: src/contract/manifest.test.ts). Package data, permissions and actions
// are written here; the settings pages come from the settings declarations (./settings.ts)
// and every sync area's declaration (./areas.ts).
import type { AreaInfo } from './areas.js';
import { SERVER_SETTINGS, USER_SETTINGS_FIRST, USER_SETTINGS_LAST, type SettingDecl } from './settings.js';

/** Package data, permissions and actions (everything but the version, settings and the wasm hash). */
const PACKAGE = {
  "id": "trakt",
  "name": "Trakt",
  "description": "Scrobbles what you watch to Trakt.tv in real time and keeps your watch history, ratings and watchlist in sync both ways, without duplicate plays.",
  "author": "The revenge-trakt authors",
  "license": "MIT",
  "homepage": "https://trakt.tv",
  "api": "1",
  "apiRevision": 3,
  "tick": {
    "intervalSeconds": 900
  },
  "permissions": {
    "http": {
      "allowedHosts": [
        "api.trakt.tv",
        "auth.trakt.tv"
      ],
      "reason": "Talks to the Trakt API to scrobble, sync and sign users in."
    },
    "kv": {
      "maxBytes": 134217728,
      "reason": "Keeps each user's outbox of undelivered events, rate-limit state and last-synced state."
    },
    "secrets": {
      "reason": "Keeps each user's Trakt tokens encrypted, apart from other data."
    },
    "scheduler": {
      "reason": "Wakes up to retry deliveries, poll the sign-in and continue long syncs."
    },
    "library": {
      "read": true,
      "write": true,
      "reason": "Reads what users watch, rate and watchlist, and imports those from Trakt when a user turns import on."
    }
  },
  "actions": [
    {
      "id": "connect",
      "scope": "user",
      "label": "Connect Trakt",
      "description": "Sign in to your Trakt account with a code shown here."
    },
    {
      "id": "disconnect",
      "scope": "user",
      "label": "Disconnect",
      "description": "Sign out of Trakt and delete everything this plugin stored for you."
    },
    {
      "id": "sync_now",
      "scope": "user",
      "label": "Sync now",
      "description": "Sync your watch history, ratings, watchlist and the other areas you turned on, now. The preview shows what it would change without changing anything."
    },
    {
      "id": "retry",
      "scope": "user",
      "label": "Retry now",
      "description": "Send what waits for Trakt now, instead of at its next try."
    },
    {
      "id": "status",
      "scope": "user",
      "label": "Status",
      "description": "Your Trakt connection, what waits to be sent, each sync area and recent problems."
    },
    {
      "id": "clean_duplicates",
      "scope": "user",
      "label": "Clean up duplicate plays",
      "description": "Find plays on your Trakt history that are the same movie or episode more than once within a window you pick, and remove the extra ones when you say so. The earliest play of each group stays, and so does every play your library holds.",
      "params": {
        "schema": {
          "type": "object",
          "properties": {
            "window": {
              "type": "string",
              "title": "Plays of the same item count as duplicates when they are",
              "default": "ten_minutes",
              "oneOf": [
                { "const": "same_second", "title": "At the same second" },
                { "const": "ten_minutes", "title": "Within 10 minutes" },
                { "const": "one_day", "title": "Within 24 hours" }
              ]
            },
            "confirm": {
              "type": "boolean",
              "default": false,
              "title": "Remove them",
              "description": "Off: only show what would be removed, nothing changes. On: remove the extra plays from Trakt."
            }
          },
          "required": [
            "window"
          ]
        },
        "uiSchema": {
          "type": "VerticalLayout",
          "elements": [
            {
              "type": "Control",
              "scope": "#/properties/window"
            },
            {
              "type": "Control",
              "scope": "#/properties/confirm"
            }
          ]
        }
      }
    },
    {
      "id": "open_on_trakt",
      "scope": "item",
      "label": "Open on Trakt",
      "description": "A link to this item's page on trakt.tv."
    },
    {
      "id": "match",
      "scope": "item",
      "label": "Fix the Trakt match",
      "description": "Say which Trakt item this is, when Trakt cannot find it or finds the wrong one: scrobbles and every sync use it from then on.",
      "params": {
        "schema": {
          "type": "object",
          "properties": {
            "query": {
              "type": "string",
              "minLength": 1,
              "maxLength": 300,
              "title": "Trakt URL, slug or id, or an imdb, tmdb or tvdb id",
              "description": "For example https://trakt.tv/movies/inception-2010, tt1375666, tmdb:27205 or tvdb:81189."
            }
          },
          "required": [
            "query"
          ]
        },
        "uiSchema": {
          "type": "VerticalLayout",
          "elements": [
            {
              "type": "Control",
              "scope": "#/properties/query"
            }
          ]
        }
      }
    },
    {
      "id": "clear_match",
      "scope": "item",
      "label": "Clear the Trakt match",
      "description": "Remove this item's manual match: it goes by its own ids again."
    }
  ],
  "hooks": [
    "playback",
    "rating",
    "watchlist",
    "tick",
    "action",
    "library"
  ]
} as const;

const control = (key: string) => ({ type: 'Control', scope: `#/properties/${key}` });

/** A settings form (schema + uiSchema) from declarations, in order. */
function form(decls: readonly SettingDecl[]): { schema: Record<string, unknown>; uiSchema: Record<string, unknown> } {
  const required = decls.filter((d) => d.required).map((d) => d.key);
  return {
    schema: { type: 'object', properties: Object.fromEntries(decls.map((d) => [d.key, d.schema])), ...(required.length ? { required } : {}) },
    uiSchema: { type: 'VerticalLayout', elements: decls.map((d) => control(d.key)) },
  };
}

/** How each direction reads on the settings page (oneOf + const + title: labels, not raw values). */
const DIRECTION_TITLES: Record<string, string> = { off: 'Off', import: 'From Trakt to this library', export: 'From this library to Trakt', both: 'Both ways' };

/** An area's setting as a declared setting (its directions with their titles). */
function areaSetting(a: AreaInfo): SettingDecl {
  const s = a.setting;
  return { key: s.key, schema: { type: 'string', default: s.default, title: s.title, description: s.description, oneOf: s.directions.map((d) => ({ const: d, title: DIRECTION_TITLES[d]! })) } };
}

/** The whole manifest for this version, with the wasm hash left for build.mjs to fill in. */
export function pluginManifest(version: string, areas: readonly AreaInfo[]): Record<string, unknown> {
  const { id, name, description, author, license, homepage, api, apiRevision, hooks, tick, permissions, actions } = PACKAGE;
  return {
    id, name, description, author, license, homepage, version, api, apiRevision,
    wasm: { path: 'plugin.wasm', sha256: 'filled in by build.mjs' },
    hooks: [...new Set([...hooks, ...areas.flatMap((a) => (a.hook ? [a.hook] : []))])], tick, permissions,
    settings: { server: form(SERVER_SETTINGS), user: form([...USER_SETTINGS_FIRST, ...areas.map(areaSetting), ...USER_SETTINGS_LAST]) },
    actions,
  };
}
