// Events come at least once: the ids of the last events handled per user, so a
// redelivered event is a no-op. Calls for one user are serialized by the host, but
// `update` keeps it safe anyway.
import type { HostApi } from '../host/api.js';
import { keys } from '../state/keys.js';
import { readJson, update } from '../state/kv.js';

const KEEP = 500;

export function wasSeen(host: HostApi, userId: string, eventId: string): boolean {
  return (readJson<string[]>(host, keys.seen(userId)).value ?? []).includes(eventId);
}

export function markSeen(host: HostApi, userId: string, eventId: string): void {
  update<string[]>(host, keys.seen(userId), (cur) => {
    const list = cur ?? [];
    if (list.includes(eventId)) return undefined;
    list.push(eventId);
    return list.length > KEEP ? list.slice(list.length - KEEP) : list;
  });
}
