// Contract sections 1 and 2: manifest validation and the package checks at load time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ManifestError, PackageError, RevengeHost, clampMemory, grantedFunctions, sha256Hex, validateManifest, writeOnlyPaths,
  // @ts-ignore: plain ESM with JSDoc types
} from '../../host-stubs/index.mjs';
import { buildProbe, probeManifest } from './fixtures/build.js';
import { rawModule } from './fixtures/raw.js';

let probe: Uint8Array;
const dirs: string[] = [];
beforeAll(() => {
  probe = buildProbe();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The problems validateManifest reports for the probe manifest with `change` applied. */
function problems(change: (m: any) => void): string[] {
  const m = probeManifest(new Uint8Array([0]));
  change(m);
  try {
    validateManifest(m);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as any).problems;
  }
  return [];
}

describe('manifest validation', () => {
  it('accepts the full probe manifest and normalises actions/settings', () => {
    expect(problems(() => {})).toEqual([]);
    const m = probeManifest(new Uint8Array([0]));
    delete m.actions;
    delete m.settings;
    m.hooks = ['playback'];
    delete m.tick;
    delete m.permissions.scheduler;
    const v = validateManifest(m);
    expect(v.actions).toEqual([]);
    expect(v.settings).toEqual({});
  });

  it.each([
    ['id with capitals', (m: any) => { m.id = 'Trakt'; }, /^id must match/],
    ['id too short', (m: any) => { m.id = 't'; }, /^id must match/],
    ['id starting with a digit', (m: any) => { m.id = '1trakt'; }, /^id must match/],
    ['id over 64 chars', (m: any) => { m.id = `t${'a'.repeat(64)}`; }, /^id must match/],
    ['id not a string', (m: any) => { m.id = 5; }, /^id must match/],
    ['name not a string', (m: any) => { m.name = ['x']; }, /^name must be a string/],
    ['homepage not a string', (m: any) => { m.homepage = null; }, /^homepage must be a string/],
    ['version not semver', (m: any) => { m.version = '1.0'; }, /^version must be a semver/],
    ['version with v', (m: any) => { m.version = 'v1.0.0'; }, /^version must be a semver/],
    ['api 2', (m: any) => { m.api = '2'; }, /^api must be the string "1"/],
    ['api as number', (m: any) => { m.api = 1; }, /^api must be the string "1"/],
    ['wasm missing sha', (m: any) => { delete m.wasm.sha256; }, /^wasm.sha256 must be 64 hex/],
    ['wasm path escaping', (m: any) => { m.wasm.path = '../x.wasm'; }, /^wasm.path must be a relative path/],
    ['wasm path absolute', (m: any) => { m.wasm.path = '/etc/x.wasm'; }, /^wasm.path must be a relative path/],
    ['wasm extra field', (m: any) => { m.wasm.url = 'x'; }, /^wasm.url is not a field/],
    ['hooks not an array', (m: any) => { m.hooks = 'tick'; }, /^hooks must be an array/],
    ['unknown hook', (m: any) => { m.hooks.push('scrobble'); }, /^hooks\[5\] must be one of/],
    ['repeated hook', (m: any) => { m.hooks.push('tick'); }, /^hooks\[5\] repeats "tick"/],
    ['tick under 60 s', (m: any) => { m.tick.intervalSeconds = 59; }, /^tick.intervalSeconds must be an integer >= 60/],
    ['tick not an integer', (m: any) => { m.tick.intervalSeconds = 90.5; }, /^tick.intervalSeconds must be an integer/],
    ['tick as string', (m: any) => { m.tick.intervalSeconds = '900'; }, /^tick.intervalSeconds must be an integer/],
    ['tick without the tick hook', (m: any) => { m.hooks = ['playback', 'action']; delete m.permissions.scheduler; }, /^tick is set but hooks does not list "tick"/],
    ['scheduler without the tick hook', (m: any) => { m.hooks = ['playback', 'action']; delete m.tick; }, /^permissions.scheduler is granted but hooks does not list "tick"/],
    ['unknown permission', (m: any) => { m.permissions.network = { reason: 'x' }; }, /^permissions.network is not a permission/],
    ['permission without reason', (m: any) => { delete m.permissions.secrets.reason; }, /^permissions.secrets.reason must be a non-empty string/],
    ['blank reason', (m: any) => { m.permissions.kv.reason = '  '; }, /^permissions.kv.reason must be a non-empty string/],
    ['permission not an object', (m: any) => { m.permissions.secrets = true; }, /^permissions.secrets must be an object/],
    ['extra permission field', (m: any) => { m.permissions.http.allowedHost = []; }, /^permissions.http.allowedHost is not a field/],
    ['no allowedHosts', (m: any) => { delete m.permissions.http.allowedHosts; }, /^permissions.http.allowedHosts must be a non-empty array/],
    ['empty allowedHosts', (m: any) => { m.permissions.http.allowedHosts = []; }, /^permissions.http.allowedHosts must be a non-empty array/],
    ['bad host pattern', (m: any) => { m.permissions.http.allowedHosts = ['https://api.trakt.tv']; }, /^permissions.http.allowedHosts\[0\] must be a lower-case host name/],
    ['upper-case host', (m: any) => { m.permissions.http.allowedHosts = ['API.trakt.tv']; }, /^permissions.http.allowedHosts\[0\]/],
    ['wildcard in the middle', (m: any) => { m.permissions.http.allowedHosts = ['api.*.tv']; }, /^permissions.http.allowedHosts\[0\]/],
    ['kv without maxBytes', (m: any) => { delete m.permissions.kv.maxBytes; }, /^permissions.kv.maxBytes must be a positive integer/],
    ['kv maxBytes 0', (m: any) => { m.permissions.kv.maxBytes = 0; }, /^permissions.kv.maxBytes must be a positive integer/],
    ['kv maxBytes string', (m: any) => { m.permissions.kv.maxBytes = '1000'; }, /^permissions.kv.maxBytes must be a positive integer/],
    ['library read not boolean', (m: any) => { m.permissions.library.read = 'yes'; }, /^permissions.library.read must be a boolean/],
    ['library granting nothing', (m: any) => { m.permissions.library = { reason: 'x' }; }, /^permissions.library grants nothing/],
    ['settings page unknown', (m: any) => { m.settings.admin = m.settings.server; }, /^settings.admin is not a settings page/],
    ['settings schema invalid draft-07', (m: any) => { m.settings.server.schema.properties.limit.type = 'int'; }, /^settings.server.schema.properties.limit.type is not valid JSON Schema draft-07/],
    ['settings schema minimum wrong type', (m: any) => { m.settings.server.schema.properties.limit.minimum = 'one'; }, /^settings.server.schema.properties.limit.minimum is not valid JSON Schema draft-07: must be number/],
    ['settings schema not an object schema', (m: any) => { m.settings.user.schema = { type: 'array' }; }, /^settings.user.schema.type must be "object"/],
    ['settings schema missing', (m: any) => { delete m.settings.user.schema; }, /^settings.user.schema must be a JSON Schema object/],
    ['settings schema with another $schema', (m: any) => { m.settings.user.schema.$schema = 'https://json-schema.org/draft/2020-12/schema'; }, /^settings.user.schema.\$schema must be draft-07/],
    ['settings schema with a dangling $ref', (m: any) => { m.settings.user.schema.properties.x = { $ref: '#/definitions/nope' }; }, /^settings.user.schema does not compile/],
    ['uiSchema scope into nowhere', (m: any) => { m.settings.server.uiSchema.elements[0].scope = '#/properties/nope'; }, /^settings.server.uiSchema.elements\[0\].scope "#\/properties\/nope" does not point/],
    ['uiSchema without type', (m: any) => { m.settings.server.uiSchema = { elements: [] }; }, /^settings.server.uiSchema.type must be a non-empty string/],
    ['form extra field', (m: any) => { m.settings.server.data = {}; }, /^settings.server.data is not a Form field/],
    ['actions not an array', (m: any) => { m.actions = {}; }, /^actions must be an array/],
    ['action id bad', (m: any) => { m.actions[0].id = 'Sync Now'; }, /^actions\[0\].id must match/],
    ['action id reserved', (m: any) => { m.actions[0].id = 'oauth_callback'; }, /^actions\[0\].id "oauth_callback" is reserved/],
    ['action id twice', (m: any) => { m.actions[1].id = 'sync_now'; }, /^actions\[1\].id "sync_now" is declared twice/],
    ['action scope', (m: any) => { m.actions[0].scope = 'admin'; }, /^actions\[0\].scope must be "server" or "user"/],
    ['action label missing', (m: any) => { delete m.actions[0].label; }, /^actions\[0\].label must be a non-empty string/],
    ['action extra field', (m: any) => { m.actions[0].icon = 'x'; }, /^actions\[0\].icon is not a field of an action/],
    ['actions without the action hook', (m: any) => { m.hooks = ['playback', 'tick']; }, /^actions are declared but hooks does not list "action"/],
    ['unknown top-level field', (m: any) => { m.permission = {}; }, /^permission is not a manifest field/],
    ['missing description', (m: any) => { delete m.description; }, /^description is required/],
    ['missing permissions', (m: any) => { delete m.permissions; }, /^permissions is required/],
  ])('refuses %s', (_what, change, expected) => {
    const found = problems(change);
    expect(found.some((p) => expected.test(p)), `problems: ${JSON.stringify(found)}`).toBe(true);
  });

  it('refuses a non-object and lists every problem at once', () => {
    expect(() => validateManifest([])).toThrow(ManifestError);
    const found = problems((m) => { m.id = 'X'; m.version = 'x'; m.api = '2'; });
    expect(found).toHaveLength(3);
  });

  it('accepts semver with pre-release/build, wildcard hosts and intervalSeconds 60', () => {
    expect(problems((m) => {
      m.version = '1.0.0-beta.1+build.5';
      m.permissions.http.allowedHosts = ['*.trakt.tv', 'localhost'];
      m.tick.intervalSeconds = 60;
      m.permissions.library = { reason: 'r', read: true };
      m.$schema = './manifest.schema.json';
    })).toEqual([]);
  });

  it('finds writeOnly properties, nested ones too', () => {
    const m = probeManifest(new Uint8Array([0]));
    expect(writeOnlyPaths(m.settings.server.schema)).toEqual(['/client_secret']);
    expect(writeOnlyPaths(m.settings.user.schema)).toEqual(['/pin', '/nested/token']);
  });

  it('grants host functions by permission (library read and write separately)', () => {
    const m = validateManifest(probeManifest(new Uint8Array([0])));
    expect([...grantedFunctions(m)].sort()).toHaveLength(14);
    m.permissions = { library: { reason: 'r', read: true } };
    expect([...grantedFunctions(m)].sort()).toEqual(['clock_now', 'library_query', 'settings_get']);
    m.permissions = {};
    expect([...grantedFunctions(m)].sort()).toEqual(['clock_now', 'settings_get']);
  });
});

describe('memory clamp', () => {
  const limits = (bytes: Uint8Array) => {
    const wa = (globalThis as any).WebAssembly; // not in the project's TS lib
    const mem = new wa.Instance(new wa.Module(bytes), {}).exports.memory;
    return { pages: mem.buffer.byteLength / 65536, canGrowTo: (n: number) => { try { mem.grow(n - mem.buffer.byteLength / 65536); return true; } catch { return false; } } };
  };

  it('caps a memory without maximum at 4096 pages (256 MiB)', () => {
    const raw = rawModule({ memory: { min: 2 } });
    const c = clampMemory(raw);
    expect(c).toMatchObject({ min: 2, max: 4096, declaredMax: null });
    expect(limits(raw).canGrowTo(4097)).toBe(true); // the unpatched module could
    const l = limits(c.bytes);
    expect(l.pages).toBe(2);
    expect(l.canGrowTo(4097)).toBe(false);
    expect(l.canGrowTo(4096)).toBe(true);
  });

  it('keeps a smaller maximum and lowers a larger one', () => {
    expect(clampMemory(rawModule({ memory: { min: 1, max: 100 } }))).toMatchObject({ max: 100, declaredMax: 100 });
    expect(clampMemory(rawModule({ memory: { min: 1, max: 60000 } }))).toMatchObject({ max: 4096, declaredMax: 60000 });
  });

  it('refuses an initial memory above the cap, shared memory and non-wasm bytes', () => {
    expect(() => clampMemory(rawModule({ memory: { min: 5000 } }))).toThrow(/initial memory \(5000 pages\) is above/);
    expect(() => clampMemory(rawModule({ memory: { min: 1, max: 10, shared: true } }))).toThrow(/shared memory/);
    expect(() => clampMemory(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(PackageError);
  });
});

describe('package loading', () => {
  const pkgDir = (manifest: any, wasm: Uint8Array) => {
    const dir = mkdtempSync(join(tmpdir(), 'revenge-pkg-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'plugin.manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, manifest.wasm.path), wasm);
    return dir;
  };
  const loadError = async (pkg: any): Promise<Error> => {
    try {
      const host = await RevengeHost.load(pkg);
      await host.close();
    } catch (e) {
      return e as Error;
    }
    throw new Error('the package loaded');
  };

  it('loads plugin.manifest.json and the wasm beside it, from the folder or the file', async () => {
    const dir = pkgDir(probeManifest(probe), probe);
    for (const p of [dir, join(dir, 'plugin.manifest.json')]) {
      const host = await RevengeHost.load(p);
      expect(host.pluginId).toBe('probe');
      expect(host.memoryPages.max).toBe(4096);
      await host.close();
    }
  });

  it('refuses an invalid manifest with a ManifestError', async () => {
    const e = await loadError({ manifest: probeManifest(probe, { api: '2' }), wasm: probe });
    expect(e).toBeInstanceOf(ManifestError);
    expect(e.message).toMatch(/api must be the string "1"/);
  });

  it('refuses a wasm whose sha256 does not match', async () => {
    const m = probeManifest(probe);
    m.wasm.sha256 = sha256Hex(new Uint8Array([1]));
    const e = await loadError(pkgDir(m, probe));
    expect(e).toBeInstanceOf(PackageError);
    expect(e.message).toMatch(/wasm.sha256 does not match plugin.wasm/);
    // Upper-case hex is the same hash.
    const ok = await RevengeHost.load({ manifest: probeManifest(probe, { wasm: { path: 'plugin.wasm', sha256: sha256Hex(probe).toUpperCase() } }), wasm: probe });
    await ok.close();
  });

  it('refuses a missing wasm file', async () => {
    const dir = pkgDir(probeManifest(probe), probe);
    const m = probeManifest(probe, { wasm: { path: 'other.wasm', sha256: sha256Hex(probe) } });
    writeFileSync(join(dir, 'plugin.manifest.json'), JSON.stringify(m));
    expect((await loadError(dir)).message).toMatch(/cannot read wasm.path other.wasm/);
  });

  it('refuses a module importing host functions its permissions do not grant', async () => {
    const m = probeManifest(probe);
    delete m.permissions.kv;
    m.permissions.library.write = false;
    const e = await loadError({ manifest: m, wasm: probe });
    expect(e).toBeInstanceOf(PackageError);
    for (const fn of ['kv_get', 'kv_set', 'kv_delete', 'kv_list']) expect(e.message).toContain(`imports host function "${fn}" but the manifest does not grant it (needs permissions.kv)`);
    expect(e.message).toContain('"library_apply" but the manifest does not grant it (needs permissions.library)');
    expect(e.message).not.toContain('"library_query"');
  });

  const rawPkg = (wasm: Uint8Array, over: Record<string, unknown> = {}) => ({
    manifest: probeManifest(wasm, { hooks: ['playback'], tick: undefined, permissions: {}, actions: [], settings: {}, ...over }),
    wasm,
  });
  const strip = (p: any) => { delete p.manifest.tick; return p; };

  it('loads a module that imports nothing beyond what is granted', async () => {
    const host = await RevengeHost.load(strip(rawPkg(rawModule({ exports: ['on_playback'], imports: [['extism:host/user', 'clock_now'], ['extism:host/env', 'alloc'], ['wasi_snapshot_preview1', 'fd_write']] }))));
    expect([...host.linked].sort()).toEqual(['clock_now', 'settings_get']);
    await host.close();
  });

  it('refuses imports from other modules, unknown host functions and non-function imports', async () => {
    let e = await loadError(strip(rawPkg(rawModule({ exports: ['on_playback'], imports: [['env', 'abort']] }))));
    expect(e.message).toMatch(/imports "env" "abort": imports may come only from/);
    e = await loadError(strip(rawPkg(rawModule({ exports: ['on_playback'], imports: [['extism:host/user', 'fs_read']] }))));
    expect(e.message).toMatch(/imports "fs_read", which is not a host function of contract API 1/);
    e = await loadError(strip(rawPkg(rawModule({ exports: ['on_playback'], imports: [['extism:host/env', 'spawn']] }))));
    expect(e.message).toMatch(/not an Extism kernel function/);
    e = await loadError(strip(rawPkg(rawModule({ exports: ['on_playback'], importMemory: 'extism:host/env' }))));
    expect(e.message).toMatch(/imports "extism:host\/env" "memory" as a memory: only functions may be imported/);
  });

  it('refuses a module lacking an export its hooks name', async () => {
    const e = await loadError(strip(rawPkg(rawModule({ exports: ['on_playback', 'on_tick'] }), { hooks: ['playback', 'rating', 'action'] })));
    expect(e).toBeInstanceOf(PackageError);
    expect(e.message).toContain('lacks the export "on_rating" (hooks lists "rating")');
    expect(e.message).toContain('lacks the export "on_action" (hooks lists "action")');
    expect(e.message).not.toContain('on_playback');
  });

  it('refuses a module without memory and bytes that are not wasm', async () => {
    let e = await loadError(strip(rawPkg(rawModule({ exports: ['on_playback'], memory: null }))));
    expect(e.message).toMatch(/does not export its memory/);
    e = await loadError(strip(rawPkg(new TextEncoder().encode('not wasm at all'))));
    expect(e.message).toMatch(/not a WebAssembly module/);
  });
});
