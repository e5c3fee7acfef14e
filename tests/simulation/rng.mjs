// The one source of randomness of a simulated run: a seeded PRNG (splitmix32), threaded
// explicitly. `fork(label)` gives an independent stream (faults, event generation) so that
// changing one part of a scenario does not reshuffle the others.
export class Rng {
  /** @param {number} seed */
  constructor(seed) {
    this.state = seed >>> 0;
  }

  /** @returns {number} a uint32 */
  next() {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** @returns {number} in [0, 1) */
  float() {
    return this.next() / 4294967296;
  }

  /** @param {number} lo @param {number} hi inclusive @returns {number} */
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** @param {number} p */
  chance(p) {
    return this.float() < p;
  }

  /** @template T @param {readonly T[]} list @returns {T} */
  pick(list) {
    return list[Math.floor(this.float() * list.length)];
  }

  /** @template T @param {Array<[T, number]>} weighted @returns {T} */
  weighted(weighted) {
    const total = weighted.reduce((s, [, w]) => s + w, 0);
    let x = this.float() * total;
    for (const [v, w] of weighted) { if ((x -= w) < 0) return v; }
    return weighted[weighted.length - 1][0];
  }

  /** An independent stream named by `label`. @param {string} label */
  fork(label) {
    let h = this.state ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Rng(h);
  }
}
