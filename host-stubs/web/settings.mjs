// Settings pages and actions, as the manifest declares them: the form (never a secret's
// value), saving with secrets by JSON pointer, and pressing an action.
import { HostError, PluginCallError } from '../host/errors.mjs';
import { writeOnlyPaths } from '../host/manifest.mjs';
import { getAt, setAt } from '../host/settings.mjs';
import { UserError, isObject } from './errors.mjs';

/** Methods of WebApp (mixed into its prototype by app.mjs). */
export const settingsMethods = {
  /** @param {'server'|'user'} scope @param {string} [user] */
  settings(scope, user) {
    const host = this.requireHost();
    const form = host.manifest.settings[scope];
    const actions = host.manifest.actions.filter((a) => a.scope === scope);
    if (!form) return { scope, form: null, actions };
    const view = scope === 'server' ? host.settingsForBrowser() : host.settingsForBrowser(this.requireUser(user));
    return { scope, form: { schema: view.schema, uiSchema: view.uiSchema }, values: view.values, secretsSet: view.secretsSet, secretPaths: writeOnlyPaths(view.schema), actions };
  },

  /**
   * Saves a settings page. `values` holds the plain fields; `secrets` maps a writeOnly
   * field's JSON pointer to a new value (a string), or null to clear it; a secret not
   * named is kept. A writeOnly field inside `values` is refused: the page never has one.
   * @param {'server'|'user'} scope @param {string|undefined} user @param {any} body
   */
  saveSettings(scope, user, body) {
    const host = this.requireHost();
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
      else host.setUserSettings(this.requireUser(/** @type {string} */ (user)), values);
    } catch (e) {
      if (e instanceof HostError) throw new UserError(422, e.message);
      throw e;
    }
    if (scope === 'server') this.registerClient();
    return this.settings(scope, user);
  },

  /**
   * Presses an action: `{ action, user?, item_key?, params? }`.
   * @param {any} body
   */
  async action(body) {
    const host = this.requireHost();
    const declared = host.manifest.actions.find((a) => a.id === body?.action);
    if (!declared) throw new UserError(404, `the plugin has no action ${JSON.stringify(body?.action)}`);
    const o = {};
    if (declared.scope !== 'server') o.userId = this.requireUser(body.user);
    if (declared.scope === 'item') o.item = this.item(body.item_key).item;
    if (body.params !== undefined) {
      if (!isObject(body.params)) throw new UserError(400, 'params must be an object');
      o.params = body.params;
    }
    try {
      const out = await host.action(declared.id, o);
      // The host's own part of the status page: when its next interval tick (a sync run) is.
      if (declared.id === 'status' && host.nextIntervalAt) return { ...out, host: { next_tick_at: new Date(host.nextIntervalAt).toISOString() } };
      return out;
    } catch (e) {
      if (e instanceof HostError) throw new UserError(400, e.message);
      if (e instanceof PluginCallError) throw new UserError(502, `The plugin failed: ${e.message}`);
      throw e;
    }
  }
};
