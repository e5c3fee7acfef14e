// What a Trakt answer means for the caller. Whether a failed write may have been applied
// matters most: `sent: 'unknown'` (timeout, 5xx) must be verified before a play is resent.
import { areaTable } from '../contract/areas.js';

/** A Trakt call that did not succeed, classified by what the caller must do, and whether it may have landed. */
export type TraktFailure =
  | { kind: 'rate_limited'; until: number; sent: 'no' }
  | { kind: 'unavailable'; status?: number; sent: 'no' | 'unknown'; message: string }
  | { kind: 'reconnect'; message: string; sent: 'no' }
  | { kind: 'busy'; message: string; sent: 'no' }
  | { kind: 'not_found'; status: 404; sent: 'yes' }
  | { kind: 'conflict'; status: 409; body: any; sent: 'yes' }
  | { kind: 'invalid'; status: number; message: string; sent: 'yes' }
  | { kind: 'account'; status: 420 | 423 | 426; message: string; sent: 'yes' | 'no' }
  | { kind: 'config'; status: number; message: string; sent: 'yes' | 'no' };

/** A successful Trakt answer with its parsed body. */
export interface TraktOk<T = any> { kind: 'ok'; status: number; body: T; headers: Record<string, string> }
/** A Trakt answer: success or a classified failure. */
export type TraktResult<T = any> = TraktOk<T> | TraktFailure;

/** Server or Cloudflare trouble worth retrying later (trakt-api-facts: 500, 502-504, 520-522). */
export const RETRYABLE = new Set([500, 502, 503, 504, 520, 521, 522]);

/** A failure in words for status, logs and hook details. */
export function describeFailure(f: TraktFailure): string {
  switch (f.kind) {
    case 'rate_limited': return 'Trakt asked us to slow down; the next try waits as long as it said'; // the time itself is the entry's next try
    case 'unavailable': return `Trakt is unavailable (${f.message})`;
    case 'reconnect': return f.message;
    case 'busy': return f.message;
    case 'not_found': return 'Trakt does not know this item';
    case 'conflict': return 'Trakt already has this';
    case 'invalid': return `Trakt refused the request (${f.status}: ${f.message})`;
    case 'account': return f.message || accountMessage(f.status);
    case 'config': return f.message;
  }
}

/** An account limit in words; `area` (client.areaOf) makes a 420 say which list is full (the area's own words). */
export function accountMessage(status: number, area?: string): string {
  const own = status === 420 && area ? areaTable().find((a) => a.name === area)?.limitMessage : undefined;
  if (own) return own;
  if (status === 420) return 'Your Trakt account has reached a limit of the free plan (for example the watchlist or ratings size); Trakt VIP raises it.';
  if (status === 423) return 'Your Trakt account is locked or deactivated; nothing is sent until it is unlocked on trakt.tv.';
  if (status === 426) return 'This needs Trakt VIP.';
  return `Trakt refused the account (${status}).`;
}
