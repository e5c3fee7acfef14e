// on_action: the settings-page buttons (connect, disconnect, sync_now, status), the
// host's OAuth callback route, and the lifecycle calls (plugin_upgraded, plugin_uninstall).
import type { HostApi } from '../host/api.js';
import { ActionInputSchema, type ActionOutput } from '../schemas/events.js';
import { InputError, parse } from '../schemas/validate.js';
import { loadSettings } from '../settings/settings.js';
import { finishBrowserFlow, startBrowserFlow, startDeviceFlow } from '../auth/connect.js';
import { disconnectUser } from '../auth/disconnect.js';
import { drainOutbox } from '../outbox/outbox.js';
import { makeDue } from '../auth/resume.js';
import { PLUGIN_VERSION } from '../version.js';
import { userContext } from './context.js';
import { migrate } from '../lifecycle/migrate.js';
import { uninstallImpl } from '../lifecycle/uninstall.js';
import { STATUS_REFRESH_S, statusImpl } from './status.js';
import { syncNowImpl } from './sync.js';
import { clearMatchImpl, matchImpl } from './match.js';
import { cleanDuplicatesImpl } from '../cleanup/action.js';
import { openOnTraktImpl } from './open-on-trakt.js';

function requireUser(userId: string | null | undefined, action: string): string {
  if (!userId) throw new InputError('user_id', `invalid action input: user_id: the "${action}" action is per user, got nothing`);
  return userId;
}

/** The on_action hook: dispatches the settings-page buttons, the OAuth callback and the lifecycle calls. */
export function actionImpl(input: unknown, host: HostApi): ActionOutput {
  const req = parse(ActionInputSchema, input, 'action input');
  const params = req.params ?? {};
  switch (req.action) {
    case 'status': {
      if (!req.user_id) return { ok: true, message: `Trakt plugin ${PLUGIN_VERSION}`, data: { version: PLUGIN_VERSION, api: '1', capabilities: [...host.granted] } };
      return statusImpl(host, req.user_id);
    }
    case 'connect': {
      const userId = requireUser(req.user_id, req.action);
      const { server } = loadSettings(host, userId);
      if (!server.clientId || !server.clientSecret) return { ok: false, message: 'The admin has not entered the Trakt client ID and secret yet.' };
      const r = params.method === 'browser' ? startBrowserFlow(host, server, userId) : startDeviceFlow(host, server, userId);
      if (!r.ok) return { ok: false, message: r.message };
      const browser = params.method === 'browser';
      const message = browser
        ? 'Open the link to sign in to Trakt.'
        : `Go to ${r.data.verification_url} and enter the code ${r.data.user_code}.`;
      // Presentation (contract 5.3): the code large, the link in a new tab, and the page
      // asks for `status` again until the sign-in is done.
      const url = String(browser ? r.data.authorize_url : r.data.verification_url);
      // the device flow's link and its words are the verification_url Trakt returned
      const show = { ...(browser ? {} : { code: String(r.data.user_code) }), ...(url.startsWith('https://') ? { link: { url, label: browser ? 'Sign in at Trakt' : `Open ${url.slice('https://'.length)}` } } : {}) };
      return { ok: true, message, data: r.data, show, refresh_s: STATUS_REFRESH_S };
    }
    case 'oauth_callback': {
      const { server } = loadSettings(host, req.user_id ?? undefined);
      const r = finishBrowserFlow(host, server, req.user_id, params);
      if (r.ok && r.userId) drainOutbox(host, userContext(host, r.userId).client, r.userId, 5_000);
      return { ok: r.ok, message: r.message };
    }
    case 'disconnect': {
      const userId = requireUser(req.user_id, req.action);
      const { server } = loadSettings(host, userId);
      const r = disconnectUser(host, server, userId);
      return { ok: true, message: r.revoked ? 'Disconnected from Trakt; the sign-in was revoked and everything stored for you here was deleted.' : 'Disconnected; everything stored for you here was deleted (Trakt could not be told to revoke the sign-in).', data: r };
    }
    case 'clean_duplicates':
      return cleanDuplicatesImpl(host, requireUser(req.user_id, req.action), params);
    case 'open_on_trakt': {
      const userId = requireUser(req.user_id, req.action);
      if (!req.item) throw new InputError('item', `invalid action input: item: the "${req.action}" action is for an item's page, got nothing`);
      return openOnTraktImpl(host, userId, req.item);
    }
    case 'match':
    case 'clear_match': {
      const userId = requireUser(req.user_id, req.action);
      if (!req.item) throw new InputError('item', `invalid action input: item: the "${req.action}" action is for an item's page, got nothing`);
      return req.action === 'match' ? matchImpl(host, userId, req.item, params) : clearMatchImpl(host, userId, req.item);
    }
    case 'retry': {
      const userId = requireUser(req.user_id, req.action);
      const ctx = userContext(host, userId);
      if (!ctx.connected || ctx.profile.needsReconnect) return { ok: false, message: 'Connect Trakt again first: what waits is sent as soon as you are signed in.' };
      makeDue(host, userId);
      const r = drainOutbox(host, ctx.client, userId, 10_000);
      const sent = `${r.delivered} change${r.delivered === 1 ? '' : 's'} sent to Trakt`;
      return r.remaining
        ? { ok: true, message: `${sent}; ${r.remaining} still waiting${r.stoppedBy ? ` (${r.stoppedBy})` : ''}.`, data: { ...r, tone: 'warning' } }
        : { ok: true, message: `${sent}; nothing waits any more.`, data: { ...r } };
    }
    case 'sync_now': {
      const userId = requireUser(req.user_id, req.action);
      return syncNowImpl(host, userId, params);
    }
    case 'plugin_upgraded': {
      const r = migrate(host);
      const from = typeof params.from_version === 'string' ? params.from_version : 'an earlier version';
      return { ok: true, message: `Upgraded from ${from}: state version ${r.from} -> ${r.to}${r.ran.length ? ` (${r.ran.join('; ')})` : ''}.`, data: { from_version: from, state_from: r.from, state_to: r.to, ran: r.ran } };
    }
    case 'plugin_uninstall':
      return uninstallImpl(host);
    default:
      return { ok: false, message: `unknown action "${req.action}"` };
  }
}
