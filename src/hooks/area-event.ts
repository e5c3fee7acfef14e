// Events of an area's own library list (hook `favorite`, and any hook an area declares):
// the change goes to Trakt through the area's sync, whose three-way merge knows both
// sides' times, started within seconds, never sent blindly. Marking the area changed is
// what makes that sync read the library (a removal is only seen so); several events in
// a row are one sync.
import type { HostApi } from '../host/api.js';
import type { HookName } from '../contract/host.js';
import { areaTable } from '../contract/areas.js';
import { ListEventSchema, type HookOutput } from '../schemas/events.js';
import { parse } from '../schemas/validate.js';
import { exportsToTrakt, isExcluded } from '../settings/settings.js';
import { label, markLibraryDirty } from '../outbox/outbox.js';
import { scheduleNames } from '../state/keys.js';
import { loadJob } from '../status/describe.js';
import { userContext } from './context.js';

/** How soon after an event its sync starts: events that come together share it. */
export const EVENT_SYNC_DELAY_MS = 5_000;

/** The handler of a hook that areas declare (`favorite`): marks them changed and starts a sync soon. */
export function areaEventImpl(hook: HookName): (input: unknown, host: HostApi) => HookOutput {
  return (input, host) => {
    const ev = parse(ListEventSchema, input, `${hook} event`);
    const areas = areaTable().filter((a) => a.hook === hook);
    if (!areas.length) return { status: 'ignored', detail: `no sync area takes ${hook} events` };
    for (const a of areas) markLibraryDirty(host, ev.user_id, a.name);
    const ctx = userContext(host, ev.user_id);
    if (!ctx.connected) return { status: 'ignored', detail: 'Trakt is not connected for this user' };
    const sending = areas.filter((a) => exportsToTrakt(ctx.user.areas[a.name]));
    if (!sending.length) return { status: 'ignored', detail: `${areas.map((a) => a.setting.title).join(', ')}: not sent to Trakt (setting)` };
    if (isExcluded(ctx.user, ev.item)) return { status: 'ignored', detail: 'this item is excluded in the settings' };
    // A sync under way keeps its own wake-up (replacing it could drop a retry's backoff):
    // it reads the library again if it has not passed this area, else the next one does.
    if (!loadJob(host, ev.user_id)) {
      host.scheduleSet(scheduleNames.sync(ev.user_id), host.clockNow() + EVENT_SYNC_DELAY_MS, { user_id: ev.user_id, kind: 'sync', start: true });
    }
    return { status: 'queued', detail: `${hook} ${ev.action}: ${label(ev.item)}; the next sync sends it to Trakt` };
  };
}
