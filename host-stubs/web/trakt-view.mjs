// The simulated Trakt account as the web face shows it (no tokens), and the simulator's
// auth.trakt.tv/activate page.
import { UserError } from './errors.mjs';

/** Methods of WebApp (mixed into its prototype by app.mjs). */
export const traktMethods = {
  /** What the simulator holds for a user (no tokens). @param {string} user */
  traktView(user) {
    this.requireUser(user);
    if (!this.sim) return { available: false, message: 'This host talks to the real Trakt: see your account on trakt.tv.' };
    const title = (e) => (e.movie ? `${e.movie.title} (${e.movie.year})` : e.episode ? `${e.show.title} S${String(e.episode.season).padStart(2, '0')}E${String(e.episode.number).padStart(2, '0')} ${e.episode.title ?? ''}`.trim() : e.show ? e.show.title : e.season ? `${e.show?.title} season ${e.season.number}` : '?');
    const sim = /** @type {any} */ (this.sim);
    const collection = typeof sim.collection === 'function' ? sim.collection(user) : null;
    return {
      available: true,
      connected_apps: this.sim.tokensOf(user).filter((t) => t.status === 'active').length,
      watching: this.sim.watching(user) ? title(this.sim.watching(user)) : null,
      plays: this.sim.history(user).map((h) => ({ title: title(h), watched_at: h.watched_at, action: h.action })),
      ratings: this.sim.ratings(user).map((r) => ({ title: title(r), rating: r.rating, rated_at: r.rated_at })),
      watchlist: this.sim.watchlist(user).map((w) => ({ title: title(w), listed_at: w.listed_at })),
      resume_points: this.sim.playback(user).map((p) => ({ title: title(p), progress: p.progress, paused_at: p.paused_at })),
      collection: collection === null ? null : collection.map((c) => ({ title: title(c), collected_at: c.collected_at ?? c.last_collected_at ?? null })),
    };
  },

  /** The simulator's auth.trakt.tv/activate: `{ code, user }`. */
  approveDevice(body) {
    if (!this.sim) throw new UserError(409, 'there is no simulator: enter the code at auth.trakt.tv/activate');
    const user = this.requireUser(body?.user);
    if (typeof body.code !== 'string' || !body.code) throw new UserError(400, 'code must be the code the plugin showed');
    let ok;
    try {
      ok = this.sim.approveDevice(body.code.trim().toUpperCase(), user);
    } catch (e) {
      throw new UserError(400, /** @type {Error} */ (e).message);
    }
    if (!ok) throw new UserError(404, `the simulator knows no pending code ${body.code}`);
    return { message: `Code ${body.code} approved for ${user} on the simulated trakt.tv.` };
  }
};
