import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseServerSettings, parseUserSettings } from '../settings/settings.js';
import { areaOfPath, areaTable } from './areas.js';
import { pluginManifest } from './manifest.js';
import { HOOK_EXPORTS } from './host.js';

const committed = JSON.parse(readFileSync(new URL('../../plugin.manifest.json', import.meta.url), 'utf8'));
const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

describe('the manifest is derived from the plugin\'s declarations', () => {
  it('the committed plugin.manifest.json is the generated one (run `npm run build` after changing src/contract or an area)', () => {
    expect(committed).toEqual(pluginManifest(version, areaTable()));
  });

  it('the plugin parses an empty form to exactly the manifest\'s defaults', () => {
    const props = committed.settings.user.schema.properties as Record<string, { default: unknown }>;
    const parsed = parseUserSettings({});
    const byKey: Record<string, unknown> = {
      scrobble: parsed.scrobble, scrobble_movies: parsed.movies, scrobble_episodes: parsed.episodes,
      exclude_shows: parsed.excludeShows, min_progress_percent: parsed.minProgress,
    };
    for (const a of areaTable()) byKey[a.setting.key] = parsed.areas[a.name];
    expect(Object.keys(byKey).sort()).toEqual(Object.keys(props).sort());
    for (const [key, v] of Object.entries(byKey)) expect([key, v]).toEqual([key, props[key]!.default]);
    expect(Object.keys(parseServerSettings({}))).toHaveLength(Object.keys(committed.settings.server.schema.properties).length);
  });

  it('each area\'s setting offers its directions, and a value outside them falls back to the default', () => {
    for (const a of areaTable()) {
      const p = committed.settings.user.schema.properties[a.setting.key];
      expect(p.oneOf.map((o: { const: string }) => o.const)).toEqual(a.setting.directions);
      expect(parseUserSettings({ [a.setting.key]: 'sideways' }).areas[a.name]).toBe(a.setting.default);
      for (const d of a.setting.directions) expect(parseUserSettings({ [a.setting.key]: d }).areas[a.name]).toBe(d);
    }
  });

  it('every hook the manifest lists is one of the contract\'s, and every area path maps back to its area', () => {
    for (const h of committed.hooks) expect(HOOK_EXPORTS).toHaveProperty(h);
    for (const a of areaTable()) {
      for (const e of [...a.endpoints.read, ...Object.values(a.endpoints).flat()]) {
        if (typeof e === 'object' && 'path' in e) expect(areaOfPath(e.path)?.name).toBe(a.name);
      }
    }
    expect(areaOfPath('/sync/playback/123')?.name).toBe('progress');
    expect(areaOfPath('/sync/last_activities')).toBeNull();
  });
});
