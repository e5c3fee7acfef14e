// dist/catalog.json as the build writes it: served over the origin map, it lists the
// plugin, and the package it points to passes both hash checks and loads in the host.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { RevengeHost } from '../../host-stubs/index.mjs';
// @ts-ignore
import { fetchCatalog, fetchPackage } from '../../host-stubs/host/catalog.mjs';
import { DIST } from '../helpers/plugin-paths.js';

let server: Server;
let origins: Record<string, string>;
beforeAll(async () => {
  server = createServer((req, res) => {
    const name = new URL(req.url!, 'http://x').pathname.replace(/^\/dist\//, '');
    if (!['catalog.json', 'plugin.manifest.json', 'plugin.wasm'].includes(name)) return void res.writeHead(404).end();
    res.writeHead(200).end(readFileSync(join(DIST, name)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origins = { 'https://plugins.revenge.test': `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
});
afterAll(() => new Promise((r) => server.close(r)));

it('the built catalog lists the plugin, its package checks out and loads', async () => {
  const manifest = JSON.parse(readFileSync(join(DIST, 'plugin.manifest.json'), 'utf8'));
  const cat = await fetchCatalog('https://plugins.revenge.test/dist/catalog.json', { origins });
  expect(cat.problems).toEqual([]);
  expect(cat.plugins).toHaveLength(1);
  const e = cat.plugins[0];
  expect(e).toMatchObject({ id: manifest.id, name: manifest.name, description: manifest.description, version: manifest.version, api: '1', homepage: manifest.homepage });
  expect(e.apiRevision).toBe(manifest.apiRevision);
  expect(e.manifestUrl).toBe('https://plugins.revenge.test/dist/plugin.manifest.json');
  const pkg = await fetchPackage(e, { origins });
  const host = await RevengeHost.load({ manifest: pkg.manifest, wasm: pkg.wasm });
  try {
    expect((await host.deliver('action', { action: 'status' })).ok).toBe(true);
  } finally {
    await host.close();
  }
});
