// The local Revenge host behind the web face: a catalog of published packages, install
// with consent, upgrade, uninstall, settings pages, actions, a small player that sends
// playback events, ratings and the watchlist, and a view of the simulated Trakt account.
// Every method answers plain JSON for server.mjs; nothing here ever returns a secret.
// One concern per file: packages.mjs (catalog, install, upgrade, uninstall), settings.mjs
// (settings pages and actions), player.mjs (library, player, ratings, watchlist),
// trakt-view.mjs (the simulated account); this file holds the shared state and start-up.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RevengeHost } from '../host/host.mjs';
import { Library } from '../host/library.mjs';
import { TraktSimulator } from '../trakt-sim/index.mjs';
import { persistSimulator } from '../trakt-sim/persist.mjs';
import { USERS, MOVIES, SHOWS, librarySeed, playables } from './media.mjs';
import { CATALOG_ORIGIN } from './catalog-url.mjs';
import { UserError } from './errors.mjs';
import { packageMethods } from './packages.mjs';
import { settingsMethods } from './settings.mjs';
import { playerMethods } from './player.mjs';
import { traktMethods } from './trakt-view.mjs';

export { CATALOG_ORIGIN, CATALOG_URL } from './catalog-url.mjs';
export { UserError } from './errors.mjs';

/**
 * What to enter on the server page against the simulator, which takes any client the
 * admin saves (registerClient): ids in the form of Trakt's (64 hex characters).
 */
export const SIMULATOR_VALUES = Object.freeze({ client_id: '51a7e5a1c0de'.padEnd(64, '0'), client_secret: '5ec2e7'.padEnd(64, 'f'), redirect_uri: '' });

export class WebApp {
  /**
   * @param {{ root: string, dataDir: string, real?: boolean, echoLogs?: boolean, db?: string, progressEveryMs?: number }} o
   * db: a postgres:// URL for the host's stores; progressEveryMs: how often a playing session sends `progress` (the contract: about every 60 s).
   */
  constructor({ root, dataDir, real = false, echoLogs = false, db = undefined, progressEveryMs = 60_000 }) {
    this.db = db;
    this.progressEveryMs = progressEveryMs;
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
      await this.sim.start();
      Object.assign(this.origins, this.sim.origins()); // api, auth and the old trakt.tv pages
      for (const u of USERS) this.sim.addUser({ username: u.id, name: u.name });
      this.sim.seedCatalog({ movies: MOVIES, shows: SHOWS });
      // The accounts outlive a restart, as on the real Trakt (--reset deletes the data folder).
      this.simStore = persistSimulator(this.sim, join(this.dataDir, 'trakt-sim.json'));
    }
    const libFile = join(this.dataDir, 'library.json');
    const fresh = !existsSync(libFile);
    this.library = new Library({ now: () => this.host?.now() ?? Date.now(), file: libFile });
    if (fresh) this.library.seed(librarySeed());
    if (existsSync(join(this.root, 'dist', 'plugin.manifest.json'))) this.publish(join(this.root, 'dist'));
    const st = this.readState();
    if (st.installed && existsSync(join(this.installedDir, 'plugin.manifest.json'))) {
      try {
        await this.loadHost(this.installedDir);
      } catch (e) {
        // Shown on the catalog page; the package stays on disk for a look.
        this.loadProblem = `The installed ${st.installed.id} ${st.installed.version} could not be loaded: ${/** @type {Error} */ (e).message}`;
      }
    }
    this.progressTimer = setInterval(() => this.progressTick().catch(() => {}), Math.min(5_000, this.progressEveryMs));
    this.progressTimer.unref();
  }

  async close() {
    clearInterval(this.progressTimer);
    await this.host?.close();
    this.simStore?.flush();
    this.simStore?.stop();
    await this.sim?.stop();
  }

  readState() {
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8'));
    } catch {
      return { installed: null };
    }
  }

  saveState(st) {
    writeFileSync(this.stateFile, JSON.stringify(st, null, 2));
  }

  async loadHost(dir) {
    this.host = await RevengeHost.load(dir, {
      dataDir: join(this.dataDir, 'host'), db: this.db, origins: this.origins, library: this.library, startMs: Date.now(), echoLogs: this.echoLogs,
    });
    this.host.startRealTime({ pollMs: 500 });
    this.registerClient();
  }

  /** Simulator only: the client the admin entered on the server page becomes a Trakt app. */
  registerClient() {
    if (!this.sim || !this.host?.manifest?.settings.server) return;
    const s = this.host.settings.load('server', '') ?? {};
    if (typeof s.client_id === 'string' && s.client_id && typeof s.client_secret === 'string' && s.client_secret) {
      this.sim.addClient({ client_id: s.client_id, client_secret: s.client_secret, name: 'Revenge (local)' });
    }
  }

  // ------------------------------------------------------------ settings and actions

  requireHost() {
    if (!this.host?.manifest) throw new UserError(409, 'no plugin is installed: install one from the catalog');
    return this.host;
  }

  /** @param {string} user */
  requireUser(user) {
    if (!USERS.some((u) => u.id === user)) throw new UserError(404, `unknown user ${JSON.stringify(user)}`);
    return user;
  }

  item(key) {
    const p = typeof key === 'string' ? this.items.get(key) : undefined;
    if (!p) throw new UserError(404, `unknown item ${JSON.stringify(key)}`);
    return p;
  }
}
Object.assign(WebApp.prototype, packageMethods, settingsMethods, playerMethods, traktMethods);
