#!/usr/bin/env node
// npm start: the stub Revenge host as a local web app on 127.0.0.1.
//   node host-stubs/web/server.mjs [--port N] [--open] [--reset] [--real] [--data DIR]
// --port: default 8470, the next free one when it is taken (0 = any free port); --open:
// open the URL in the desktop's browser; --reset: start with an empty data folder (the
// host's data and the simulator's accounts);
// --real: the real api.trakt.tv instead of the simulator (enter your Trakt app's client
// id and secret on the server page); --data: default ./web-data.
//
// Security: the server binds to loopback only and answers only requests whose Host is
// its own; a state-changing request must be a same-origin JSON request (content-type
// application/json; Origin, when sent, must be this origin; Sec-Fetch-Site, when sent,
// must be same-origin), so a page on another site cannot post to it; no response ever
// carries a secret (writeOnly settings and tokens stay in the host).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { CATALOG_URL, SIMULATOR_VALUES, UserError, WebApp } from './app.mjs';
import { USERS } from './media.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const MAX_BODY = 1024 * 1024;

/** Bundles the React + JSONForms UI once (in memory): no dev server. */
export async function bundleUi() {
  const r = await esbuild.build({
    entryPoints: [join(here, 'ui', 'main.jsx')],
    bundle: true, write: false, format: 'esm', target: 'es2020', minify: true, legalComments: 'none',
    jsx: 'automatic', loader: { '.css': 'css' }, outdir: 'out', logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const js = r.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const css = r.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  return { js, css };
}

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Revenge (local host)</title><link rel="stylesheet" href="/app.css"></head>
<body><div id="root"></div><script type="module" src="/app.js"></script></body>
</html>
`;
// 'unsafe-eval': Ajv (which JSONForms uses too) compiles the manifest's JSON Schemas into
// functions in the page. Only this app's own bundle runs: no inline script, no other origin.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-eval'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** How many ports after a busy one are tried before any free port is taken. */
const PORT_TRIES = 20;

/**
 * Listens on `port`, or on the next free one when it is taken (then any free port).
 * @param {import('node:http').Server} server @param {number} port
 * @returns {Promise<number[]>} the busy ports passed over
 */
async function listenFrom(server, port) {
  const busy = [];
  for (let i = 0; ; i++) {
    const p = port === 0 || i > PORT_TRIES ? 0 : port + i;
    try {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, '127.0.0.1', () => { server.off('error', reject); resolve(undefined); });
      });
      return busy;
    } catch (e) {
      if (/** @type {any} */ (e).code !== 'EADDRINUSE' || p === 0 || p >= 65535) throw e;
      busy.push(p);
    }
  }
}

/** Opens `url` in the desktop's browser when there is one (xdg-open, open, start); best effort. */
export function openBrowser(url) {
  const cmd = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd[1], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => { child.unref(); resolve(true); });
  });
}

/**
 * Starts the app. Resolves `{ url, app, close }`.
 * @param {{ port?: number, dataDir?: string, reset?: boolean, real?: boolean, quiet?: boolean, db?: string, progressEveryMs?: number }} [o]
 *   db: a postgres:// URL puts the host's stores in PostgreSQL (default: SQLite in dataDir)
 */
export async function startWebApp({ port = 8470, dataDir = join(root, 'web-data'), reset = false, real = false, quiet = false, db = undefined, progressEveryMs = undefined } = {}) {
  if (reset) rmSync(dataDir, { recursive: true, force: true });
  const ui = await bundleUi();
  const app = new WebApp({ root, dataDir, real, db, progressEveryMs });
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!quiet) console.error(e);
      if (!res.headersSent) json(res, 500, { error: `internal error: ${e.message}` });
    });
  });
  const busy = await listenFrom(server, port);
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  const origin = `http://127.0.0.1:${addr.port}`;
  const hosts = new Set([`127.0.0.1:${addr.port}`, `localhost:${addr.port}`]);
  const origins = new Set([origin, `http://localhost:${addr.port}`]);
  await app.start(origin);

  /** @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} body */
  function json(res, status, body) {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }

  /** @param {import('node:http').IncomingMessage} req */
  async function readJson(req) {
    const chunks = [];
    let n = 0;
    for await (const c of req) {
      n += c.length;
      if (n > MAX_BODY) throw new UserError(413, 'the request body is too large');
      chunks.push(c);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw new UserError(400, 'the request body is not JSON');
    }
  }

  /** Why a state-changing request is refused, or null. @param {import('node:http').IncomingMessage} req */
  function crossSite(req) {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') return 'state-changing requests must be JSON (content-type: application/json)';
    const o = req.headers.origin;
    if (o !== undefined && !origins.has(o)) return `requests from ${o} are not accepted`;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return `cross-site requests are not accepted (sec-fetch-site: ${site})`;
    return null;
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function handle(req, res) {
    // DNS rebinding: a page on another name resolving to 127.0.0.1 is not this origin.
    if (!hosts.has(String(req.headers.host ?? ''))) return json(res, 421, { error: 'unknown host name' });
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/') return void res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    if (method === 'GET' && path === '/app.js') return void res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' }).end(ui.js);
    if (method === 'GET' && path === '/favicon.ico') return void res.writeHead(204, SECURITY_HEADERS).end();
    if (method === 'GET' && path === '/app.css') return void res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/css; charset=utf-8' }).end(ui.css);
    if (method === 'GET' && path.startsWith('/catalog-files/')) {
      const bytes = app.catalogFile(decodeURIComponent(path.slice('/catalog-files/'.length)));
      if (!bytes) return json(res, 404, { error: 'not in the catalog' });
      return void res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': path.endsWith('.json') ? 'application/json' : 'application/wasm' }).end(bytes);
    }
    if (!path.startsWith('/api/')) return json(res, 404, { error: 'not found' });
    if (method !== 'GET' && method !== 'POST') return json(res, 405, { error: 'only GET and POST' });
    if (method === 'POST') {
      const why = crossSite(req);
      if (why) return json(res, 403, { error: why });
    }
    try {
      const body = method === 'POST' ? await readJson(req) : undefined;
      const out = await route(method, path.slice(4), body, url.searchParams);
      if (out === undefined) return json(res, 404, { error: 'not found' });
      return json(res, 200, out);
    } catch (e) {
      if (e instanceof UserError) return json(res, e.status, { error: e.message, ...e.extra });
      throw e;
    }
  }

  /** @param {string} method @param {string} path e.g. `/catalog` @param {any} body @param {URLSearchParams} q */
  async function route(method, path, body, q) {
    const user = q.get('user') ?? undefined;
    switch (`${method} ${path}`) {
      case 'GET /state': return { installed: app.installedSummary(), simulator: !!app.sim, simulator_values: app.sim ? SIMULATOR_VALUES : null, users: USERS, catalog_url: CATALOG_URL, problem: app.loadProblem ?? null };
      case 'GET /catalog': return app.catalog();
      case 'POST /review': return app.review(body);
      case 'POST /install': return app.install(body);
      case 'POST /upgrade': return app.upgrade(body);
      case 'POST /uninstall': return app.uninstall(body);
      case 'GET /settings/server': return app.settings('server');
      case 'POST /settings/server': return app.saveSettings('server', undefined, body);
      case 'GET /settings/user': return app.settings('user', user);
      case 'POST /settings/user': return app.saveSettings('user', body?.user, body);
      case 'POST /action': return app.action(body);
      case 'GET /library': return app.libraryView(user ?? '');
      case 'POST /player': return app.player(body);
      case 'POST /rate': return app.rate(body);
      case 'POST /watchlist': return app.watchlist(body);
      case 'GET /trakt': return app.traktView(user ?? '');
      case 'POST /sim/approve': return app.approveDevice(body);
      default: return undefined;
    }
  }

  const url = `${origin}/`;
  if (!quiet) {
    if (busy.length) console.log(`Port ${busy.length === 1 ? busy[0] : `${busy[0]} to ${busy[busy.length - 1]}`} ${busy.length === 1 ? 'is' : 'are'} taken: using ${addr.port} instead.`);
    console.log(`Revenge (local host) at ${url}`);
    console.log(`  data: ${dataDir}${reset ? ' (reset)' : ''}; Trakt: ${real ? 'the real api.trakt.tv' : 'the simulator'}`);
  }
  return {
    url,
    app,
    busy,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const port = opt('--port') !== undefined ? Number(opt('--port')) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    console.error('--port must be a port number (0 = any free port)');
    process.exit(2);
  }
  startWebApp({ port, dataDir: opt('--data'), reset: args.includes('--reset'), real: args.includes('--real'), db: opt('--db') ?? process.env.REVENGE_DB })
    .then(async (w) => {
      if (args.includes('--open') && !(await openBrowser(w.url))) console.log('  (could not open a browser here: open the URL yourself)');
      const stop = () => w.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((e) => {
      console.error(`could not start: ${e.message}`);
      process.exit(1);
    });
}
