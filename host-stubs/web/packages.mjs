// The catalog and the package lifecycle: publish a folder into the local catalog, list
// it, review a package (permissions, what grows), install with consent, upgrade, uninstall.
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../host/wasm.mjs';
import { describePermissions, fetchCatalog, fetchPackage, offerFor, permissionGrowth } from '../host/catalog.mjs';
import { CATALOG_URL } from './catalog-url.mjs';
import { UserError, packageProblem } from './errors.mjs';

const REVIEW_TTL_MS = 10 * 60_000;

/** Methods of WebApp (mixed into its prototype by app.mjs). */
export const packageMethods = {
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
    this.writeCatalog();
    return name;
  },

  writeCatalog() {
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
  },

  /** A file of the catalog folder (served to the host itself, through the origin map). */
  catalogFile(rel) {
    const parts = rel.split('/').filter(Boolean);
    if (!parts.length || parts.some((p) => p === '..' || p.startsWith('.'))) return null;
    const file = join(this.catalogDir, ...parts);
    return existsSync(file) ? readFileSync(file) : null;
  },

  installedSummary() {
    const m = this.host?.manifest;
    if (!m) return null;
    return { id: m.id, name: m.name, version: m.version, description: m.description, homepage: m.homepage, author: m.author, license: m.license, apiRevision: m.apiRevision ?? 1, permissions: describePermissions(m.permissions) };
  },

  async catalog() {
    const installed = this.host?.manifest ?? null;
    try {
      const cat = await fetchCatalog(CATALOG_URL, { origins: this.origins });
      return { url: CATALOG_URL, entries: cat.plugins.map((e, index) => ({ index, id: e.id, name: e.name, version: e.version, description: e.description, homepage: e.homepage, apiRevision: e.apiRevision ?? 1, offer: offerFor(e, installed) })), problems: cat.problems };
    } catch (e) {
      throw packageProblem(e);
    }
  },

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
  },

  takeReview(body, kind) {
    const r = typeof body?.review_id === 'string' ? this.reviews.get(body.review_id) : undefined;
    if (!r || r.kind !== kind) throw new UserError(409, 'this review is unknown or expired: open the catalog again');
    const needsConsent = kind === 'install' || r.growth.length > 0;
    if (needsConsent && body.consent !== true) throw new UserError(400, 'consent must be true: the admin has to agree to the permissions first');
    this.reviews.delete(body.review_id);
    return r;
  },

  writeInstalled(pkg) {
    rmSync(this.installedDir, { recursive: true, force: true });
    mkdirSync(this.installedDir, { recursive: true });
    writeFileSync(join(this.installedDir, 'plugin.manifest.json'), JSON.stringify(pkg.manifest, null, 2));
    writeFileSync(join(this.installedDir, pkg.manifest.wasm.path), pkg.wasm);
  },

  async install(body) {
    if (this.host) throw new UserError(409, 'a plugin is installed already');
    const r = this.takeReview(body, 'install');
    this.writeInstalled(r.pkg);
    try {
      await this.loadHost(this.installedDir); // imports and exports are checked here
    } catch (e) {
      await this.host?.close();
      this.host = null;
      rmSync(this.installedDir, { recursive: true, force: true });
      throw packageProblem(e);
    }
    this.saveState({ installed: { id: r.pkg.manifest.id, version: r.pkg.manifest.version } });
    return { installed: this.installedSummary() };
  },

  async upgrade(body) {
    if (!this.host) throw new UserError(409, 'nothing is installed to upgrade');
    const r = this.takeReview(body, 'upgrade');
    let out;
    try {
      out = await this.host.upgrade({ manifest: r.pkg.manifest, wasm: r.pkg.wasm }, { consent: body.consent === true });
    } catch (e) {
      throw packageProblem(e);
    }
    this.writeInstalled(r.pkg);
    this.saveState({ installed: { id: r.pkg.manifest.id, version: r.pkg.manifest.version } });
    return { installed: this.installedSummary(), from_version: out.from_version, to_version: out.to_version, message: out.output?.message ?? out.error?.message ?? null, ok: !out.error };
  },

  async uninstall(body) {
    if (!this.host) throw new UserError(409, 'nothing is installed');
    if (body?.confirm !== true) throw new UserError(400, 'confirm must be true');
    const r = await this.host.uninstall();
    await this.host.close();
    this.host = null;
    this.sessions.clear();
    rmSync(this.installedDir, { recursive: true, force: true });
    this.saveState({ installed: null });
    return { message: r.output?.message ?? (r.error ? `The plugin failed during uninstall (${r.error.message}); its data was deleted anyway.` : 'Uninstalled.'), tone: r.error || r.output?.ok === false ? 'warning' : 'success' };
  }
};
