// What a Trakt answer means for the caller. Whether a failed write may have been applied
// matters most: `sent: 'unknown'` (timeout, 5xx) must be verified before a play is resent.
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

export interface TraktOk<T = any> { kind: 'ok'; status: number; body: T; headers: Record<string, string> }
export type TraktResult<T = any> = TraktOk<T> | TraktFailure;

/** Server or Cloudflare trouble worth retrying later (trakt-api-facts: 500, 502-504, 520-522). */
export const RETRYABLE = new Set([500, 502, 503, 504, 520, 521, 522]);

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

/** An account limit in words; `area` (client.areaOf) makes a 420 say which list is full. */
export function accountMessage(status: number, area?: string): string {
  if (status === 420 && area === 'collection') return 'Your Trakt collection is full: a free account holds 1,000 movies and episodes. Trakt VIP raises the limit to 100,000; or set "Collection" to off in your Trakt settings here. Nothing more is sent to the collection until then.';
  if (status === 420) return 'Your Trakt account has reached a limit of the free plan (for example the watchlist or ratings size); Trakt VIP raises it.';
  if (status === 423) return 'Your Trakt account is locked or deactivated; nothing is sent until it is unlocked on trakt.tv.';
  if (status === 426) return 'This needs Trakt VIP.';
  return `Trakt refused the account (${status}).`;
}
