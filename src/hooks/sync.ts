// sync_now and the sync part of ticks (the two-way sync engine plugs in here).
import type { HostApi } from '../host/api.js';
import type { ActionOutput } from '../schemas/events.js';
import { drainOutbox } from '../outbox/outbox.js';
import { userContext } from './context.js';

export function syncNowImpl(host: HostApi, userId: string, _params: Record<string, unknown>): ActionOutput {
  const ctx = userContext(host, userId);
  if (!ctx.connected) return { ok: false, message: 'Connect Trakt first.' };
  const r = drainOutbox(host, ctx.client, userId, 10_000);
  return { ok: true, message: `Delivered ${r.delivered} waiting change(s); ${r.remaining} still waiting.`, data: { outbox: r } };
}
