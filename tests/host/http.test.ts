// http_send through a real plugin: allowedHosts and https-only (not_allowed), routing of
// https origins to local servers, lower-case response headers, timeout, network, too_large.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM with JSDoc types
import { RevengeHost } from '../../host-stubs/index.mjs';
import { buildProbe, probeManifest } from './fixtures/build.js';

let host: any;
let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];
const pending = new Set<ServerResponse>();

function handler(req: IncomingMessage, res: ServerResponse) {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/echo') {
      res.setHeader('X-Custom-Header', 'Value');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path: req.url, body, auth: req.headers.authorization ?? null }));
    } else if (url.pathname === '/slow') {
      pending.add(res);
      setTimeout(() => { pending.delete(res); if (!res.writableEnded) res.end('late'); }, Number(url.searchParams.get('ms') ?? 3000));
    } else if (url.pathname === '/big') {
      const n = Number(url.searchParams.get('n'));
      if (url.searchParams.get('chunked')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(1 << 16, 0x61);
        let left = n;
        const pump = () => {
          while (left > 0) {
            const piece = chunk.subarray(0, Math.min(chunk.length, left));
            left -= piece.length;
            if (!res.write(piece)) { res.once('drain', pump); return; }
          }
          res.end();
        };
        pump();
      } else {
        res.writeHead(200, { 'content-length': String(n) });
        res.end(Buffer.alloc(n, 0x62));
      }
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { Location: 'https://evil.example.net/steal' });
      res.end();
    } else {
      res.writeHead(404);
      res.end('nope');
    }
  });
}

beforeAll(async () => {
  server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was free a moment ago: nothing listens there.
  const probeServer = createServer();
  await new Promise<void>((r) => probeServer.listen(0, '127.0.0.1', r));
  const deadPort = (probeServer.address() as AddressInfo).port;
  await new Promise((r) => probeServer.close(r));
  const wasm = buildProbe();
  host = await RevengeHost.load({ manifest: probeManifest(wasm), wasm }, {
    origins: {
      'https://api.example.com': base,
      'https://a.b.example.org': base,
      'https://slow.example.com': base,
      'https://down.example.org': `http://127.0.0.1:${deadPort}`,
    },
  });
});
afterAll(async () => {
  await host?.close();
  for (const res of pending) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const send = async (body: unknown) => JSON.parse(await host.callExport('call', { fn: 'http_send', body }));
const summary = async (body: unknown) => JSON.parse(await host.callExport('summary', { fn: 'http_send', body }));
const expectError = (res: any, code: string, message?: RegExp) => {
  expect(Object.keys(res)).toEqual(['error']);
  expect(res.error.code).toBe(code);
  if (message) expect(res.error.message).toMatch(message);
};

describe('http_send', () => {
  it('routes an allowed https origin to the local server and lower-cases response headers', async () => {
    const res = await send({
      method: 'post',
      url: 'https://api.example.com/echo?x=1',
      headers: { Authorization: 'Bearer abc', 'Content-Type': 'application/json', 'trakt-api-version': '2' },
      body: '{"hello":"world"}',
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toEqual({ method: 'POST', path: '/echo?x=1', body: '{"hello":"world"}', auth: 'Bearer abc' });
    expect(res.headers['x-custom-header']).toBe('Value');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    for (const name of Object.keys(res.headers)) expect(name).toBe(name.toLowerCase());
    expect(seen.at(-1)?.headers['trakt-api-version']).toBe('2');
  });

  it('allows *.example.org below it', async () => {
    const res = await send({ method: 'GET', url: 'https://a.b.example.org/echo' });
    expect(res.status).toBe(201);
  });

  it('answers not_allowed for http, hosts outside allowedHosts and credentials', async () => {
    const count = seen.length;
    expectError(await send({ method: 'GET', url: 'http://api.example.com/echo' }), 'not_allowed', /only https/);
    expectError(await send({ method: 'GET', url: 'https://evil.example.net/echo' }), 'not_allowed', /"evil.example.net" is not in permissions.http.allowedHosts/);
    expectError(await send({ method: 'GET', url: 'https://example.org/echo' }), 'not_allowed');
    expectError(await send({ method: 'GET', url: 'https://api.example.com.evil.net/' }), 'not_allowed');
    expectError(await send({ method: 'GET', url: 'https://user:pw@api.example.com/echo' }), 'not_allowed', /credentials/);
    expect(seen.length).toBe(count);
  });

  it('does not follow redirects (they could leave allowedHosts)', async () => {
    const res = await send({ method: 'GET', url: 'https://api.example.com/redirect' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://evil.example.net/steal');
  });

  it('answers invalid for a bad request', async () => {
    expectError(await send({ method: 'GET', url: 'not a url' }), 'invalid', /url is not an absolute URL/);
    expectError(await send({ method: 'GET', url: 'https://api.example.com/echo', body: 'x' }), 'invalid', /body is not allowed with GET/);
    expectError(await send({ method: 'GET', url: 'https://api.example.com/echo', headers: { 'Bad Name': 'x' } }), 'invalid', /header name/);
    expectError(await send({ method: 'GET', url: 'https://api.example.com/echo', headers: { A: 1 } }), 'invalid', /headers.A must be a string/);
    expectError(await send({ method: 'GET', url: 'https://api.example.com/echo', timeout_ms: 0 }), 'invalid', /timeout_ms/);
    expectError(await send({ method: 'G T', url: 'https://api.example.com/echo' }), 'invalid', /method/);
  });

  it('answers timeout after timeout_ms, and after the default timeout', async () => {
    const t0 = Date.now();
    expectError(await send({ method: 'GET', url: 'https://slow.example.com/slow?ms=3000', timeout_ms: 200 }), 'timeout', /200 ms/);
    expect(Date.now() - t0).toBeLessThan(2500);
    const saved = host.httpTimeoutMs;
    host.httpTimeoutMs = 300;
    try {
      expectError(await send({ method: 'GET', url: 'https://slow.example.com/slow?ms=3000' }), 'timeout', /300 ms/);
    } finally {
      host.httpTimeoutMs = saved;
    }
    const ok = await send({ method: 'GET', url: 'https://slow.example.com/slow?ms=50', timeout_ms: 2000 });
    expect(ok).toMatchObject({ status: 200, body: 'late' });
  });

  it('answers network when the connection fails', async () => {
    expectError(await send({ method: 'GET', url: 'https://down.example.org/' }), 'network', /ECONNREFUSED/);
  });

  it('answers too_large past 10 MiB, with or without content-length; 10 MiB itself passes', async () => {
    const limit = 10 * 1024 * 1024;
    expectError(await summary({ method: 'GET', url: `https://api.example.com/big?n=${limit + 1}` }), 'too_large', /10485760/);
    expectError(await summary({ method: 'GET', url: `https://api.example.com/big?n=${limit + 1}&chunked=1` }), 'too_large');
    const ok = await summary({ method: 'GET', url: `https://api.example.com/big?n=${limit}&chunked=1` });
    expect(ok).toMatchObject({ status: 200, body_length: limit });
  });
});
