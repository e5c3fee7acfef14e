// One HTTP exchange with Trakt through the host's http_send, with the headers every
// call needs. No retries, no rate limiting, no tokens logic: see client.ts.
import type { HostApi, HttpResponse } from '../host/api.js';
import { HostError } from '../host/api.js';
import type { ServerSettings } from '../settings/settings.js';
import { USER_AGENT } from '../version.js';

export const API = 'https://api.trakt.tv';
/** Trakt's OAuth host: every OAuth request and the authorize page (Trakt's 2026 contract). */
export const AUTH = 'https://auth.trakt.tv';
/** Well inside the host's 30 s call limit, so a hook can still queue its work after one. */
export const TIMEOUT_MS = 10_000;

/** One exchange through http_send: the answer, or the host's error code. */
export type RawOutcome =
  | { ok: true; res: HttpResponse }
  | { ok: false; code: string; message: string };

/** The headers every Trakt API request needs (and the bearer token when given). */
export function traktHeaders(server: ServerSettings, accessToken?: string): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Type': 'application/json',
    'trakt-api-version': '2',
    'trakt-api-key': server.clientId,
    'User-Agent': USER_AGENT,
  };
  if (accessToken) h.Authorization = `Bearer ${accessToken}`;
  return h;
}

/** One request to Trakt through http_send, without retries, limits or tokens logic. */
export function sendRaw(host: HostApi, server: ServerSettings, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, accessToken?: string, timeoutMs = TIMEOUT_MS): RawOutcome {
  try {
    const res = host.httpSend({
      method,
      url,
      headers: traktHeaders(server, accessToken),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeout_ms: timeoutMs,
    });
    return { ok: true, res };
  } catch (e) {
    if (e instanceof HostError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

/** Parses a JSON body; Trakt's error bodies may be empty or HTML from Cloudflare. */
export function jsonBody(res: Pick<HttpResponse, 'body'>): any {
  if (!res.body) return null;
  try {
    return JSON.parse(res.body);
  } catch {
    return null;
  }
}
