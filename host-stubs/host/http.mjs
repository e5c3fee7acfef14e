// http_send (contract section 3): https only, to the manifest's allowedHosts; a test host
// may route https origins to local servers (`origins`). Redirects are not followed (a
// redirect is answered to the plugin as it is), so a redirect can never leave allowedHosts.
import { HostError } from './errors.mjs';
import { checkString } from './kv.mjs';

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
export const MAX_HTTP_TIMEOUT_MS = 30_000;
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether a host name is allowed: an exact entry, or `*.example.com`, which matches any
 * name below example.com (a.example.com, a.b.example.com) but not example.com itself.
 * @param {string} hostname lower-case @param {string[]} allowedHosts
 */
export function hostAllowed(hostname, allowedHosts) {
  return allowedHosts.some((pattern) => (pattern.startsWith('*.')
    ? hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1
    : hostname === pattern));
}

/**
 * @param {any} req the plugin's request
 * @param {{ allowedHosts: string[], origins?: Record<string, string>, signal?: AbortSignal,
 *   defaultTimeoutMs?: number, maxResponseBytes?: number, fetch?: typeof fetch }} o
 * @returns {Promise<{ status: number, headers: Record<string, string>, body: string }>}
 */
export async function httpSend(req, { allowedHosts, origins = {}, signal, defaultTimeoutMs = DEFAULT_HTTP_TIMEOUT_MS, maxResponseBytes = MAX_RESPONSE_BYTES, fetch: doFetch = fetch }) {
  checkString(req.method, 'method');
  const method = req.method.toUpperCase();
  if (!TOKEN.test(method)) throw new HostError('invalid', 'method is not an HTTP method name');
  checkString(req.url, 'url');
  let url;
  try {
    url = new URL(req.url);
  } catch {
    throw new HostError('invalid', `url is not an absolute URL: ${JSON.stringify(req.url).slice(0, 200)}`);
  }
  if (url.protocol !== 'https:') throw new HostError('not_allowed', `only https is allowed (url is ${url.protocol})`);
  if (url.username || url.password) throw new HostError('not_allowed', 'credentials in the url are not allowed');
  if (!hostAllowed(url.hostname, allowedHosts)) throw new HostError('not_allowed', `host "${url.hostname}" is not in permissions.http.allowedHosts`);

  const headers = new Headers();
  if (req.headers !== undefined && req.headers !== null) {
    if (!isObject(req.headers)) throw new HostError('invalid', 'headers must be an object of name: value strings');
    for (const [name, value] of Object.entries(req.headers)) {
      if (!TOKEN.test(name)) throw new HostError('invalid', `headers: "${name}" is not a valid header name`);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw new HostError('invalid', `headers.${name} must be a string without CR, LF or NUL`);
      headers.append(name, value);
    }
  }
  let body;
  if (req.body !== undefined && req.body !== null) {
    checkString(req.body, 'body', { allowEmpty: true, maxBytes: MAX_REQUEST_BODY_BYTES });
    if ((method === 'GET' || method === 'HEAD') && req.body !== '') throw new HostError('invalid', `body is not allowed with ${method}`);
    if (method !== 'GET' && method !== 'HEAD') body = req.body;
  }
  let timeoutMs = defaultTimeoutMs;
  if (req.timeout_ms !== undefined && req.timeout_ms !== null) {
    if (!Number.isSafeInteger(req.timeout_ms) || req.timeout_ms < 1) throw new HostError('invalid', 'timeout_ms must be a positive integer');
    timeoutMs = Math.min(req.timeout_ms, MAX_HTTP_TIMEOUT_MS);
  }

  let target = url.href;
  const routed = origins[url.origin];
  if (routed) {
    target = new URL(`${url.pathname}${url.search}`, routed).href;
    // like a reverse proxy: the local server learns which host the plugin asked for
    // (the Trakt simulator serves api.trakt.tv, trakt.tv and auth.trakt.tv on one port)
    headers.set('x-forwarded-host', url.host);
  }

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    let res;
    try {
      res = await doFetch(target, { method, headers, body, redirect: 'manual', signal: controller.signal });
    } catch (e) {
      if (timedOut) throw new HostError('timeout', `no response from ${url.origin} within ${timeoutMs} ms`);
      throw new HostError('network', `request to ${url.origin} failed: ${describeError(e)}`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxResponseBytes) {
      controller.abort();
      throw new HostError('too_large', `response body of ${declared} bytes is over the ${maxResponseBytes}-byte limit`);
    }
    const chunks = [];
    let size = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body) {
          size += chunk.byteLength;
          if (size > maxResponseBytes) {
            controller.abort();
            throw new HostError('too_large', `response body is over the ${maxResponseBytes}-byte limit`);
          }
          chunks.push(chunk);
        }
      }
    } catch (e) {
      if (e instanceof HostError) throw e;
      if (timedOut) throw new HostError('timeout', `response from ${url.origin} not complete within ${timeoutMs} ms`);
      throw new HostError('network', `reading the response from ${url.origin} failed: ${describeError(e)}`);
    }
    /** @type {Record<string, string>} */
    const outHeaders = {};
    res.headers.forEach((value, name) => { outHeaders[name.toLowerCase()] = value; });
    const setCookies = res.headers.getSetCookie?.() ?? [];
    if (setCookies.length > 1) outHeaders['set-cookie'] = setCookies.join(', ');
    return { status: res.status, headers: outHeaders, body: Buffer.concat(chunks).toString('utf8') };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** @param {unknown} e */
function describeError(e) {
  const err = /** @type {any} */ (e);
  const cause = err?.cause;
  const msg = cause?.code ?? cause?.message ?? err?.message ?? String(e);
  return String(msg);
}
