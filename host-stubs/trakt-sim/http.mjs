// Response values returned by every handler; server.mjs writes them to the socket.

/** @typedef {{ status: number, headers?: Record<string, string>, body?: any }} SimResponse */

/** @returns {SimResponse} */
export const json = (status, body, headers = {}) => ({ status, headers, body });
/** Empty body (Trakt sends none for 404, 405, 420, 423, 429). @returns {SimResponse} */
export const empty = (status, headers = {}) => ({ status, headers, body: undefined });
/** OAuth-style error body `{error, error_description}`; also used for 400/401/403/412/422. */
export const error = (status, code, description, headers = {}) => json(status, { error: code, error_description: description }, headers);
/** @returns {SimResponse} */
export const html = (status, text) => ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: text });
/** @returns {SimResponse} */
export const redirect = (location) => ({ status: 302, headers: { location }, body: undefined });

export const escapeHtml = (s) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
