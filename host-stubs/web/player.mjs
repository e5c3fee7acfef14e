// The library and a small player: sessions that send playback events (progress about
// every 60 s while playing), ratings and the watchlist, each told to the plugin.
import { randomUUID } from 'node:crypto';
import { UserError } from './errors.mjs';

/** The media server's own rule: a stop at 90% or more marks the item played in the library. */
const PLAYED_AT = 0.9;

/** Methods of WebApp (mixed into its prototype by app.mjs). */
export const playerMethods = {
  /** @param {string} user */
  libraryView(user) {
    this.requireUser(user);
    const st = this.library.state(user);
    const same = (a, b) => a.type === b.type && JSON.stringify(a.ids) === JSON.stringify(b.ids);
    const itemActions = this.host?.manifest?.actions.filter((a) => a.scope === 'item') ?? [];
    return {
      items: [...this.items.values()].map((p) => ({
        key: p.key, label: p.label, type: p.item.type, runtime_min: p.runtime_min,
        plays: st.history.filter((e) => same(e.item, p.item)).map((e) => new Date(e.at_ms).toISOString()),
        rating: st.ratings.find((e) => same(e.item, p.item))?.rating ?? null,
        watchlisted: st.watchlist.some((e) => same(e.item, p.item)),
        session: this.sessionView(this.sessions.get(`${user}|${p.key}`)),
      })),
      item_actions: itemActions,
      // the user's playlists (revision 3): name, item count, and who made it from what
      playlists: (st.playlists ?? []).map((e) => ({ id: e.playlist.id, name: e.playlist.name, count: e.items.length, source: e.playlist.source ?? null, created_by: e.playlist.created_by ?? null })),
    };
  },

  sessionView(s) {
    if (!s) return null;
    return { state: s.state, position_ms: this.position(s), duration_ms: s.duration_ms, percent: Math.round((this.position(s) / s.duration_ms) * 1000) / 10 };
  },

  position(s) {
    return Math.min(s.duration_ms, s.state === 'playing' ? s.position_ms + (Date.now() - s.since) : s.position_ms);
  },

  async send(hook, event) {
    if (!this.host?.manifest?.hooks.includes(hook)) return { status: 'not sent', detail: 'no plugin takes these events' };
    const r = await this.host.tryDeliver(hook, event);
    return r.ok ? r.output : { status: 'failed', detail: r.error.message };
  },

  playbackEvent(user, p, s, state, extra = {}) {
    return {
      event_id: randomUUID(), user_id: user, session_id: s.session_id, state, position_ms: Math.round(this.position(s)), duration_ms: s.duration_ms,
      occurred_at: new Date().toISOString(), item: p.item, ...extra,
    };
  },

  /**
   * The player: `{ user, key, op: 'play'|'pause'|'seek'|'stop', percent? }`. Play starts
   * (or resumes) a session; seek moves it (a progress event while playing); stop ends it,
   * and at 90% or more the library records the play. Each step sends its playback event.
   */
  async player(body) {
    const user = this.requireUser(body?.user);
    const p = this.item(body.key);
    const id = `${user}|${p.key}`;
    let s = this.sessions.get(id);
    const op = body.op;
    let sent = null;
    if (op === 'play') {
      if (!s) {
        s = { session_id: randomUUID(), state: 'paused', position_ms: 0, since: Date.now(), duration_ms: p.runtime_min * 60_000, lastProgress: Date.now() };
        this.sessions.set(id, s);
        s.state = 'playing';
        sent = await this.send('playback', this.playbackEvent(user, p, s, 'start'));
      } else if (s.state === 'paused') {
        s.since = Date.now();
        s.state = 'playing';
        sent = await this.send('playback', this.playbackEvent(user, p, s, 'resume'));
      } else throw new UserError(409, 'already playing');
      s.lastProgress = Date.now();
    } else if (op === 'pause') {
      if (s?.state !== 'playing') throw new UserError(409, 'not playing');
      s.position_ms = this.position(s);
      s.state = 'paused';
      sent = await this.send('playback', this.playbackEvent(user, p, s, 'pause'));
    } else if (op === 'seek') {
      if (!s) throw new UserError(409, 'press play first');
      if (typeof body.percent !== 'number' || !(body.percent >= 0 && body.percent <= 100)) throw new UserError(400, 'percent must be a number from 0 to 100');
      s.position_ms = Math.round((body.percent / 100) * s.duration_ms);
      s.since = Date.now();
      if (s.state === 'playing') {
        sent = await this.send('playback', this.playbackEvent(user, p, s, 'progress'));
        s.lastProgress = Date.now();
      }
    } else if (op === 'stop') {
      if (!s) throw new UserError(409, 'nothing is playing');
      s.position_ms = this.position(s);
      const completed = s.position_ms >= s.duration_ms;
      sent = await this.send('playback', this.playbackEvent(user, p, s, 'stop', completed ? { completed: true } : {}));
      if (s.position_ms / s.duration_ms >= PLAYED_AT) this.library.apply(user, [{ op: 'add_play', item: p.item }]);
      this.sessions.delete(id);
      s = undefined;
    } else throw new UserError(400, 'op must be play, pause, seek or stop');
    return { session: this.sessionView(s), plugin: sent };
  },

  /** The host sends `progress` about every 60 s while playing. */
  async progressTick() {
    for (const [id, s] of this.sessions) {
      if (s.state !== 'playing' || Date.now() - s.lastProgress < this.progressEveryMs) continue;
      const [user, key] = id.split('|');
      s.lastProgress = Date.now();
      await this.send('playback', this.playbackEvent(user, this.item(key), s, 'progress'));
    }
  },

  /** `{ user, key, rating: 0.5..5 | null }` */
  async rate(body) {
    const user = this.requireUser(body?.user);
    const p = this.item(body.key);
    const rating = body.rating;
    if (rating !== null && !(typeof rating === 'number' && rating >= 0.5 && rating <= 5 && Number.isInteger(rating * 2))) throw new UserError(400, 'rating must be 0.5 to 5 in steps of 0.5, or null to remove it');
    const [r] = this.library.apply(user, [rating === null ? { op: 'remove_rating', item: p.item } : { op: 'set_rating', item: p.item, rating }]);
    if (!r.ok) throw new UserError(422, `the library refused the rating: ${r.error}`);
    return { plugin: await this.send('rating', { event_id: randomUUID(), user_id: user, occurred_at: new Date().toISOString(), item: p.item, rating }) };
  },

  /** `{ user, key, on: boolean }` */
  async watchlist(body) {
    const user = this.requireUser(body?.user);
    const p = this.item(body.key);
    if (typeof body.on !== 'boolean') throw new UserError(400, 'on must be true or false');
    this.library.apply(user, [{ op: body.on ? 'add_watchlist' : 'remove_watchlist', item: p.item }]);
    return { plugin: await this.send('watchlist', { event_id: randomUUID(), user_id: user, occurred_at: new Date().toISOString(), item: p.item, action: body.on ? 'add' : 'remove' }) };
  }
};
