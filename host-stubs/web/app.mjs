// The local Revenge host behind the web face: a catalog of published packages, install
// with consent, upgrade, uninstall, settings pages, actions, a small player that sends
// playback events, ratings and the watchlist, and a view of the simulated Trakt account.
// Every method answers plain JSON for server.mjs; nothing here ever returns a secret.
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RevengeHost } from '../host/host.mjs';
import { HostError, ManifestError, PackageError, PluginCallError } from '../host/errors.mjs';
import { Library } from '../host/library.mjs';
import { writeOnlyPaths } from '../host/manifest.mjs';
import { getAt, setAt } from '../host/settings.mjs';
import { sha256Hex } from '../host/wasm.mjs';
import { CatalogError, describePermissions, fetchCatalog, fetchPackage, offerFor, permissionGrowth } from '../host/catalog.mjs';
import { TraktSimulator } from '../trakt-sim/index.mjs';
import { MOVIES, SHOWS, USERS, librarySeed, playables } from './media.mjs';

/** The catalog's https origin; the host fetches it through its origin map, from this app. */
export const CATALOG_ORIGIN = 'https://plugins.revenge.local';
export const CATALOG_URL = `${CATALOG_ORIGIN}/catalog.json`;
/** The media server's own rule: a stop at 90% or more marks the item played in the library. */
const PLAYED_AT = 0.9;
const REVIEW_TTL_MS = 10 * 60_000;
const PROGRESS_EVERY_MS = 60_000;

/** An error the browser is told about: status + message. */
export class UserError extends Error {
  /** @param {number} status @param {string} message @param {object} [extra] */
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Package, manifest and catalog problems, as the admin reads them. */
function packageProblem(e) {
  if (e instanceof ManifestError) return new UserError(422, `The host refuses this manifest:\n${e.problems.map((p) => `- ${p}`).join('\n')}`, { problems: e.problems });
  if (e instanceof PackageError || e instanceof CatalogError) return new UserError(422, e.message);
  return e;
}

export class WebApp {
  /**
   * @param {{ root: string, dataDir: string, real?: boolean, echoLogs?: boolean, db?: string }} o
   */
  constructor({ root, dataDir, real = false, echoLogs = false, db = undefined }) {
    this.db = db;
    this.root = root;
    this.dataDir = dataDir;
    this.real = real;
    this.echoLogs = echoLogs;
    this.catalogDir = join(dataDir, 'catalog');
    this.installedDir = join(dataDir, 'installed');
    this.stateFile = join(dataDir, 'web.json');
    /** @type {RevengeHost|null} */
    this.host = null;
    /** @type {TraktSimulator|null} */
    this.sim = null;
    /** @type {Map<string, { kind: 'install'|'upgrade', pkg: any, at: number, growth: any[] }>} */
    this.reviews = new Map();
    /** @type {Map<string, any>} player sessions by `${user}|${key}` */
    this.sessions = new Map();
    this.items = new Map(playables().map((p) => [p.key, p]));
  }

  /** @param {string} selfOrigin this app's own http origin (the catalog files are served there) */
  async start(selfOrigin) {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    this.origins = { [CATALOG_ORIGIN]: `${selfOrigin}/catalog-files/` };
    if (!this.real) {
      this.sim = new TraktSimulator({ deviceIntervalSec: 2 });
      const { origin } = await this.sim.start();
      Object.assign(this.origins, { 'https://api.trakt.tv': origin, 'https://trakt.tv': origin });
      for (const u of USERS) this.sim.addUser({ username: u.id, name: u.name });
      this.sim.seedCatalog({ movies: MOVIES, shows: SHOWS });
    }
    const libFile = join(this.dataDir, 'library.json');
    const fresh = !existsSync(libFile);
    this.library = new Library({ now: () => this.host?.now() ?? Date.now(), file: libFile });
    if (fresh) this.library.seed(librarySeed());
    if (existsSync(join(this.root, 'dist', 'plugin.manifest.json'))) this.publish(join(this.root, 'dist'));
    const st = this.#state();
    if (st.installed && existsSync(join(this.installedDir, 'plugin.manifest.json'))) {
      try {
        await this.#loadHost(this.installedDir);
      } catch (e) {
        // Shown on the catalog page; the package stays on disk for a look.
        this.loadProblem = `The installed ${st.installed.id} ${st.installed.version} could not be loaded: ${/** @type {Error} */ (e).message}`;
      }
    }
    this.progressTimer = setInterval(() => this.#progressTick().catch(() => {}), 5_000);
    this.progressTimer.unref();
  }

  async close() {
    clearInterval(this.progressTimer);
    await this.host?.close();
    await this.sim?.stop();
  }

  #state() {
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8'));
    } catch {
      return { installed: null };
    }
  }

  #saveState(st) {
    writeFileSync(this.stateFile, JSON.stringify(st, null, 2));
  }

  async #loadHost(dir) {
    this.host = await RevengeHost.load(dir, {
      dataDir: join(this.dataDir, 'host'), db: this.db, origins: this.origins, library: this.library, startMs: Date.now(), echoLogs: this.echoLogs,
    });
    this.host.startRealTime({ pollMs: 500 });
    this.#registerClient();
  }

  /** Simulator only: the client the admin entered on the server page becomes a Trakt app. */
  #registerClient() {
    if (!this.sim || !this.host?.manifest?.settings.server) return;
    const s = this.host.settings.load('server', '') ?? {};
    if (typeof s.client_id === 'string' && s.client_id && typeof s.client_secret === 'string' && s.client_secret) {
      this.sim.addClient({ client_id: s.client_id, client_secret: s.client_secret, name: 'Revenge (local)' });
    }
  }

  // ------------------------------------------------------------ catalog

  /**
   * Publishes a package folder (plugin.manifest.json + its wasm, optionally the build's
   * catalog.json) into the local catalog, and rewrites catalog.json from every published
   * folder. The entry's sha256 is the one the folder's catalog.json says (as built), else
   * the manifest file's own hash.
   * @param {string} dir @returns {string} the folder name in the catalog
   */
  publish(dir) {
    const manifestText = readFileSync(join(dir, 'plugin.manifest.json'), 'utf8');
    const m = JSON.parse(manifestText);
    const name = `${m.id}-${m.version}`.replace(/[^A-Za-z0-9._-]/g, '_');
    const to = join(this.catalogDir, name);
    rmSync(to, { recursive: true, force: true });
    mkdirSync(to, { recursive: true });
    for (const f of ['plugin.manifest.json', 'catalog.json', m.wasm?.path ?? 'plugin.wasm']) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(to, f));
    this.#writeCatalog();
    return name;
  }

  #writeCatalog() {
    const plugins = [];
    for (const name of readdirSync(this.catalogDir).sort()) {
      const folder = join(this.catalogDir, name);
      if (!existsSync(join(folder, 'plugin.manifest.json'))) continue;
      const bytes = readFileSync(join(folder, 'plugin.manifest.json'));
      let built = null;
      try {
        built = JSON.parse(readFileSync(join(folder, 'catalog.json'), 'utf8')).plugins?.[0] ?? null;
      } catch { /* no catalog.json: computed below */ }
      let m = {};
      try { m = JSON.parse(bytes.toString('utf8')); } catch { /* listed; the review reports it */ }
      const entry = built ?? { id: m.id, name: m.name, description: m.description, version: m.version, api: m.api, ...(m.apiRevision ? { apiRevision: m.apiRevision } : {}), homepage: m.homepage, manifest: 'plugin.manifest.json', sha256: sha256Hex(bytes) };
      plugins.push({ ...entry, manifest: `${name}/${entry.manifest}` });
    }
    writeFileSync(join(this.catalogDir, 'catalog.json'), JSON.stringify({ plugins }, null, 2));
  }

  /** A file of the catalog folder (served to the host itself, through the origin map). */
  catalogFile(rel) {
    const parts = rel.split('/').filter(Boolean);
    if (!parts.length || parts.some((p) => p === '..' || p.startsWith('.'))) return null;
    const file = join(this.catalogDir, ...parts);
    return existsSync(file) ? readFileSync(file) : null;
  }

  installedSummary() {
    const m = this.host?.manifest;
    if (!m) return null;
    return { id: m.id, name: m.name, version: m.version, description: m.description, homepage: m.homepage, author: m.author, license: m.license, apiRevision: m.apiRevision ?? 1, permissions: describePermissions(m.permissions) };
  }

  async catalog() {
    const installed = this.host?.manifest ?? null;
    try {
      const cat = await fetchCatalog(CATALOG_URL, { origins: this.origins });
      return { url: CATALOG_URL, entries: cat.plugins.map((e, index) => ({ index, id: e.id, name: e.name, version: e.version, description: e.description, homepage: e.homepage, apiRevision: e.apiRevision ?? 1, offer: offerFor(e, installed) })), problems: cat.problems };
    } catch (e) {
      throw packageProblem(e);
    }
  }

  /**
   * Fetches and checks the package of a catalog entry, and says what consenting means:
   * every permission with its reason, and for an upgrade what grows.
   * @param {{ index: unknown }} body
   */
  async review(body) {
    if (!Number.isInteger(body?.index)) throw new UserError(400, 'index must be the number of a catalog entry');
    const cat = await fetchCatalog(CATALOG_URL, { origins: this.origins }).catch((e) => { throw packageProblem(e); });
    const entry = cat.plugins[/** @type {number} */ (body.index)];
    if (!entry) throw new UserError(404, `the catalog has no entry ${body.index}`);
    const installed = this.host?.manifest ?? null;
    const offer = offerFor(entry, installed);
    if (offer === 'installed' || offer === 'older') throw new UserError(409, `${entry.name} ${installed?.version} is installed; the catalog's ${entry.version} is not newer`);
    if (offer === 'other') throw new UserError(409, `another plugin (${installed?.id}) is installed; this host runs one plugin: uninstall it first`);
    let pkg;
    try {
      pkg = await fetchPackage(entry, { origins: this.origins });
    } catch (e) {
      throw packageProblem(e);
    }
    const kind = offer === 'upgrade' ? 'upgrade' : 'install';
    const growth = kind === 'upgrade' ? permissionGrowth(installed?.permissions, pkg.manifest.permissions) : [];
    const id = randomUUID();
    const now = Date.now();
    for (const [k, r] of this.reviews) if (now - r.at > REVIEW_TTL_MS) this.reviews.delete(k);
    this.reviews.set(id, { kind, pkg, at: now, growth });
    const m = pkg.manifest;
    return {
      review_id: id, kind, from_version: installed?.version ?? null,
      manifest: { id: m.id, name: m.name, version: m.version, description: m.description, homepage: m.homepage, author: m.author, license: m.license, apiRevision: m.apiRevision ?? 1 },
      permissions: describePermissions(m.permissions),
      growth,
      needs_consent: kind === 'install' || growth.length > 0,
    };
  }

  #takeReview(body, kind) {
    const r = typeof body?.review_id === 'string' ? this.reviews.get(body.review_id) : undefined;
    if (!r || r.kind !== kind) throw new UserError(409, 'this review is unknown or expired: open the catalog again');
    const needsConsent = kind === 'install' || r.growth.length > 0;
    if (needsConsent && body.consent !== true) throw new UserError(400, 'consent must be true: the admin has to agree to the permissions first');
    this.reviews.delete(body.review_id);
    return r;
  }

  #writeInstalled(pkg) {
    rmSync(this.installedDir, { recursive: true, force: true });
    mkdirSync(this.installedDir, { recursive: true });
    writeFileSync(join(this.installedDir, 'plugin.manifest.json'), JSON.stringify(pkg.manifest, null, 2));
    writeFileSync(join(this.installedDir, pkg.manifest.wasm.path), pkg.wasm);
  }

  async install(body) {
    if (this.host) throw new UserError(409, 'a plugin is installed already');
    const r = this.#takeReview(body, 'install');
    this.#writeInstalled(r.pkg);
    try {
      await this.#loadHost(this.installedDir); // imports and exports are checked here
    } catch (e) {
      await this.host?.close();
      this.host = null;
      rmSync(this.installedDir, { recursive: true, force: true });
      throw packageProblem(e);
    }
    this.#saveState({ installed: { id: r.pkg.manifest.id, version: r.pkg.manifest.version } });
    return { installed: this.installedSummary() };
  }

  async upgrade(body) {
    if (!this.host) throw new UserError(409, 'nothing is installed to upgrade');
    const r = this.#takeReview(body, 'upgrade');
    let out;
    try {
      out = await this.host.upgrade({ manifest: r.pkg.manifest, wasm: r.pkg.wasm }, { consent: body.consent === true });
    } catch (e) {
      throw packageProblem(e);
    }
    this.#writeInstalled(r.pkg);
    this.#saveState({ installed: { id: r.pkg.manifest.id, version: r.pkg.manifest.version } });
    return { installed: this.installedSummary(), from_version: out.from_version, to_version: out.to_version, message: out.output?.message ?? out.error?.message ?? null, ok: !out.error };
  }

  async uninstall(body) {
    if (!this.host) throw new UserError(409, 'nothing is installed');
    if (body?.confirm !== true) throw new UserError(400, 'confirm must be true');
    const r = await this.host.uninstall();
    await this.host.close();
    this.host = null;
    this.sessions.clear();
    rmSync(this.installedDir, { recursive: true, force: true });
    this.#saveState({ installed: null });
    return { message: r.output?.message ?? (r.error ? `The plugin failed during uninstall (${r.error.message}); its data was deleted anyway.` : 'Uninstalled.') };
  }

  // ------------------------------------------------------------ settings and actions

  #requireHost() {
    if (!this.host?.manifest) throw new UserError(409, 'no plugin is installed: install one from the catalog');
    return this.host;
  }

  /** @param {string} user */
  #requireUser(user) {
    if (!USERS.some((u) => u.id === user)) throw new UserError(404, `unknown user ${JSON.stringify(user)}`);
    return user;
  }

  /** @param {'server'|'user'} scope @param {string} [user] */
  settings(scope, user) {
    const host = this.#requireHost();
    const form = host.manifest.settings[scope];
    const actions = host.manifest.actions.filter((a) => a.scope === scope);
    if (!form) return { scope, form: null, actions };
    const view = scope === 'server' ? host.settingsForBrowser() : host.settingsForBrowser(this.#requireUser(user));
    return { scope, form: { schema: view.schema, uiSchema: view.uiSchema }, values: view.values, secretsSet: view.secretsSet, secretPaths: writeOnlyPaths(view.schema), actions };
  }

  /**
   * Saves a settings page. `values` holds the plain fields; `secrets` maps a writeOnly
   * field's JSON pointer to a new value (a string), or null to clear it; a secret not
   * named is kept. A writeOnly field inside `values` is refused: the page never has one.
   * @param {'server'|'user'} scope @param {string|undefined} user @param {any} body
   */
  saveSettings(scope, user, body) {
    const host = this.#requireHost();
    const form = host.manifest.settings[scope];
    if (!form) throw new UserError(404, `the plugin has no ${scope} settings page`);
    if (!isObject(body?.values)) throw new UserError(400, 'values must be an object');
    const secrets = body.secrets ?? {};
    if (!isObject(secrets)) throw new UserError(400, 'secrets must be an object of JSON pointers');
    const paths = writeOnlyPaths(form.schema);
    const values = structuredClone(body.values);
    for (const p of paths) {
      if (getAt(values, p) !== undefined) throw new UserError(400, `values${p} is a writeOnly field: send it in secrets (a page never holds its value)`);
    }
    for (const [p, v] of Object.entries(secrets)) {
      if (!paths.includes(p)) throw new UserError(400, `secrets${p} is not a writeOnly field of the form`);
      if (v !== null && typeof v !== 'string') throw new UserError(400, `secrets${p} must be a string, or null to clear it`);
      setAt(values, p, v);
    }
    try {
      if (scope === 'server') host.setServerSettings(values);
      else host.setUserSettings(this.#requireUser(/** @type {string} */ (user)), values);
    } catch (e) {
      if (e instanceof HostError) throw new UserError(422, e.message);
      throw e;
    }
    if (scope === 'server') this.#registerClient();
    return this.settings(scope, user);
  }

  /**
   * Presses an action: `{ action, user?, item_key?, params? }`.
   * @param {any} body
   */
  async action(body) {
    const host = this.#requireHost();
    const declared = host.manifest.actions.find((a) => a.id === body?.action);
    if (!declared) throw new UserError(404, `the plugin has no action ${JSON.stringify(body?.action)}`);
    const o = {};
    if (declared.scope !== 'server') o.userId = this.#requireUser(body.user);
    if (declared.scope === 'item') o.item = this.#item(body.item_key).item;
    if (body.params !== undefined) {
      if (!isObject(body.params)) throw new UserError(400, 'params must be an object');
      o.params = body.params;
    }
    try {
      return await host.action(declared.id, o);
    } catch (e) {
      if (e instanceof HostError) throw new UserError(400, e.message);
      if (e instanceof PluginCallError) throw new UserError(502, `The plugin failed: ${e.message}`);
      throw e;
    }
  }

  // ------------------------------------------------------------ library, player

  #item(key) {
    const p = typeof key === 'string' ? this.items.get(key) : undefined;
    if (!p) throw new UserError(404, `unknown item ${JSON.stringify(key)}`);
    return p;
  }

  /** @param {string} user */
  libraryView(user) {
    this.#requireUser(user);
    const st = this.library.state(user);
    const same = (a, b) => a.type === b.type && JSON.stringify(a.ids) === JSON.stringify(b.ids);
    const itemActions = this.host?.manifest?.actions.filter((a) => a.scope === 'item') ?? [];
    return {
      items: [...this.items.values()].map((p) => ({
        key: p.key, label: p.label, type: p.item.type, runtime_min: p.runtime_min,
        plays: st.history.filter((e) => same(e.item, p.item)).map((e) => new Date(e.at_ms).toISOString()),
        rating: st.ratings.find((e) => same(e.item, p.item))?.rating ?? null,
        watchlisted: st.watchlist.some((e) => same(e.item, p.item)),
        session: this.#sessionView(this.sessions.get(`${user}|${p.key}`)),
      })),
      item_actions: itemActions,
    };
  }

  #sessionView(s) {
    if (!s) return null;
    return { state: s.state, position_ms: this.#position(s), duration_ms: s.duration_ms, percent: Math.round((this.#position(s) / s.duration_ms) * 1000) / 10 };
  }

  #position(s) {
    return Math.min(s.duration_ms, s.state === 'playing' ? s.position_ms + (Date.now() - s.since) : s.position_ms);
  }

  async #send(hook, event) {
    if (!this.host?.manifest?.hooks.includes(hook)) return { status: 'not sent', detail: 'no plugin takes these events' };
    const r = await this.host.tryDeliver(hook, event);
    return r.ok ? r.output : { status: 'failed', detail: r.error.message };
  }

  #playbackEvent(user, p, s, state, extra = {}) {
    return {
      event_id: randomUUID(), user_id: user, session_id: s.session_id, state, position_ms: Math.round(this.#position(s)), duration_ms: s.duration_ms,
      occurred_at: new Date().toISOString(), item: p.item, ...extra,
    };
  }

  /**
   * The player: `{ user, key, op: 'play'|'pause'|'seek'|'stop', percent? }`. Play starts
   * (or resumes) a session; seek moves it (a progress event while playing); stop ends it,
   * and at 90% or more the library records the play. Each step sends its playback event.
   */
  async player(body) {
    const user = this.#requireUser(body?.user);
    const p = this.#item(body.key);
    const id = `${user}|${p.key}`;
    let s = this.sessions.get(id);
    const op = body.op;
    let sent = null;
    if (op === 'play') {
      if (!s) {
        s = { session_id: randomUUID(), state: 'paused', position_ms: 0, since: Date.now(), duration_ms: p.runtime_min * 60_000, lastProgress: Date.now() };
        this.sessions.set(id, s);
        s.state = 'playing';
        sent = await this.#send('playback', this.#playbackEvent(user, p, s, 'start'));
      } else if (s.state === 'paused') {
        s.since = Date.now();
        s.state = 'playing';
        sent = await this.#send('playback', this.#playbackEvent(user, p, s, 'resume'));
      } else throw new UserError(409, 'already playing');
      s.lastProgress = Date.now();
    } else if (op === 'pause') {
      if (s?.state !== 'playing') throw new UserError(409, 'not playing');
      s.position_ms = this.#position(s);
      s.state = 'paused';
      sent = await this.#send('playback', this.#playbackEvent(user, p, s, 'pause'));
    } else if (op === 'seek') {
      if (!s) throw new UserError(409, 'press play first');
      if (typeof body.percent !== 'number' || !(body.percent >= 0 && body.percent <= 100)) throw new UserError(400, 'percent must be a number from 0 to 100');
      s.position_ms = Math.round((body.percent / 100) * s.duration_ms);
      s.since = Date.now();
      if (s.state === 'playing') {
        sent = await this.#send('playback', this.#playbackEvent(user, p, s, 'progress'));
        s.lastProgress = Date.now();
      }
    } else if (op === 'stop') {
      if (!s) throw new UserError(409, 'nothing is playing');
      s.position_ms = this.#position(s);
      const completed = s.position_ms >= s.duration_ms;
      sent = await this.#send('playback', this.#playbackEvent(user, p, s, 'stop', completed ? { completed: true } : {}));
      if (s.position_ms / s.duration_ms >= PLAYED_AT) this.library.apply(user, [{ op: 'add_play', item: p.item }]);
      this.sessions.delete(id);
      s = undefined;
    } else throw new UserError(400, 'op must be play, pause, seek or stop');
    return { session: this.#sessionView(s), plugin: sent };
  }

  /** The host sends `progress` about every 60 s while playing. */
  async #progressTick() {
    for (const [id, s] of this.sessions) {
      if (s.state !== 'playing' || Date.now() - s.lastProgress < PROGRESS_EVERY_MS) continue;
      const [user, key] = id.split('|');
      s.lastProgress = Date.now();
      await this.#send('playback', this.#playbackEvent(user, this.#item(key), s, 'progress'));
    }
  }

  /** `{ user, key, rating: 0.5..5 | null }` */
  async rate(body) {
    const user = this.#requireUser(body?.user);
    const p = this.#item(body.key);
    const rating = body.rating;
    if (rating !== null && !(typeof rating === 'number' && rating >= 0.5 && rating <= 5 && Number.isInteger(rating * 2))) throw new UserError(400, 'rating must be 0.5 to 5 in steps of 0.5, or null to remove it');
    const [r] = this.library.apply(user, [rating === null ? { op: 'remove_rating', item: p.item } : { op: 'set_rating', item: p.item, rating }]);
    if (!r.ok) throw new UserError(422, `the library refused the rating: ${r.error}`);
    return { plugin: await this.#send('rating', { event_id: randomUUID(), user_id: user, occurred_at: new Date().toISOString(), item: p.item, rating }) };
  }

  /** `{ user, key, on: boolean }` */
  async watchlist(body) {
    const user = this.#requireUser(body?.user);
    const p = this.#item(body.key);
    if (typeof body.on !== 'boolean') throw new UserError(400, 'on must be true or false');
    this.library.apply(user, [{ op: body.on ? 'add_watchlist' : 'remove_watchlist', item: p.item }]);
    return { plugin: await this.#send('watchlist', { event_id: randomUUID(), user_id: user, occurred_at: new Date().toISOString(), item: p.item, action: body.on ? 'add' : 'remove' }) };
  }

  // ------------------------------------------------------------ the simulated Trakt

  /** What the simulator holds for a user (no tokens). @param {string} user */
  traktView(user) {
    this.#requireUser(user);
    if (!this.sim) return { available: false, message: 'This host talks to the real Trakt: see your account on trakt.tv.' };
    const title = (e) => (e.movie ? `${e.movie.title} (${e.movie.year})` : e.episode ? `${e.show.title} S${String(e.episode.season).padStart(2, '0')}E${String(e.episode.number).padStart(2, '0')} ${e.episode.title ?? ''}`.trim() : e.show ? e.show.title : e.season ? `${e.show?.title} season ${e.season.number}` : '?');
    const sim = /** @type {any} */ (this.sim);
    const collection = typeof sim.collection === 'function' ? sim.collection(user) : null;
    return {
      available: true,
      connected_apps: this.sim.tokensOf(user).filter((t) => t.status === 'active').length,
      watching: this.sim.watching(user) ? title(this.sim.watching(user)) : null,
      plays: this.sim.history(user).map((h) => ({ title: title(h), watched_at: h.watched_at, action: h.action })),
      ratings: this.sim.ratings(user).map((r) => ({ title: title(r), rating: r.rating, rated_at: r.rated_at })),
      watchlist: this.sim.watchlist(user).map((w) => ({ title: title(w), listed_at: w.listed_at })),
      resume_points: this.sim.playback(user).map((p) => ({ title: title(p), progress: p.progress, paused_at: p.paused_at })),
      collection: collection === null ? null : collection.map((c) => ({ title: title(c), collected_at: c.collected_at ?? c.last_collected_at ?? null })),
    };
  }

  /** The simulator's trakt.tv/activate: `{ code, user }`. */
  approveDevice(body) {
    if (!this.sim) throw new UserError(409, 'there is no simulator: enter the code at trakt.tv/activate');
    const user = this.#requireUser(body?.user);
    if (typeof body.code !== 'string' || !body.code) throw new UserError(400, 'code must be the code the plugin showed');
    let ok;
    try {
      ok = this.sim.approveDevice(body.code.trim().toUpperCase(), user);
    } catch (e) {
      throw new UserError(400, /** @type {Error} */ (e).message);
    }
    if (!ok) throw new UserError(404, `the simulator knows no pending code ${body.code}`);
    return { message: `Code ${body.code} approved for ${user} on the simulated trakt.tv.` };
  }
}
