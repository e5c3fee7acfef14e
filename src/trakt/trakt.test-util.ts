// Test helpers: a FakeHost with a connected user and a scripted Trakt (answers queued
// per "METHOD /path", else a default), for unit tests of the client, outbox and auth.
import { FakeHost, json } from '../host/fake.js';
import type { HttpRequest, HttpResponse } from '../host/api.js';
import { HostError } from '../host/api.js';
import { secretKeys } from '../state/keys.js';
import type { Tokens } from '../auth/tokens.js';
import { parseServerSettings } from '../settings/settings.js';
import { TraktClient } from './client.js';

export const T0 = Date.UTC(2026, 10, 1, 12);
export const SERVER = { client_id: 'cid', client_secret: 'csecret-value' };
export const DAY = 86_400_000;

type Answer = HttpResponse | { throw: string } | ((req: HttpRequest) => HttpResponse);

/** Trakt scripted per route: `answer('POST /sync/history', ...)` queues one answer. */
export class ScriptedTrakt {
  readonly queued = new Map<string, Answer[]>();
  readonly log: Array<{ route: string; req: HttpRequest; body: any }> = [];
  fallback: (route: string, req: HttpRequest) => HttpResponse = () => json(201, {});

  answer(route: string, ...answers: Answer[]): this {
    this.queued.set(route, [...(this.queued.get(route) ?? []), ...answers]);
    return this;
  }

  routes(): string[] { return this.log.map((l) => l.route); }

  handle = (req: HttpRequest): HttpResponse => {
    const path = new URL(req.url).pathname;
    const route = `${req.method} ${path}`;
    this.log.push({ route, req, body: req.body ? JSON.parse(req.body) : undefined });
    const a = this.queued.get(route)?.shift();
    if (!a) return this.fallback(route, req);
    if (typeof a === 'function') return a(req);
    if ('throw' in a) throw new HostError('http_send', a.throw, `injected ${a.throw}`);
    return a;
  };
}

/** A stored token pair for tests, valid for 90 days from `now`. */
export function tokens(now: number, over: Partial<Tokens> = {}): Tokens {
  return { access_token: 'access-1', refresh_token: 'refresh-1', expires_at: now + 90 * DAY, refresh_at: now + 80 * DAY, ...over };
}

/** A FakeHost with a connected user and a scripted Trakt, for client tests. */
export function connectedWorld(opts: { tokens?: Partial<Tokens>; user?: string } = {}) {
  const trakt = new ScriptedTrakt();
  const host = new FakeHost({ now: T0, server: { ...SERVER }, http: trakt.handle });
  const userId = opts.user ?? 'alice';
  host.secrets.set(secretKeys.tokens(userId), JSON.stringify(tokens(T0, opts.tokens)));
  const server = parseServerSettings(host.server);
  const client = new TraktClient(host, server, userId);
  return { host, trakt, userId, server, client };
}
