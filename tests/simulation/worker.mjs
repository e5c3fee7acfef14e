// A child process of the bench: runs the seeds it is given and prints one JSON summary
// line per seed (no scenario, to keep the pipe small).
import { runSeed } from './runner.mjs';

const [from, to] = process.argv.slice(2).map(Number);
for (let s = from; s < to; s++) {
  const r = await runSeed(s);
  const firsts = [];
  const seen = new Set();
  for (const v of r.violations) if (!seen.has(v.invariant)) { seen.add(v.invariant); firsts.push(v); }
  process.stdout.write(`${JSON.stringify({ seed: s, ms: r.ms, users: r.users, events: r.events, stats: r.stats, faults: r.faults, counts: r.counts, invariants: firsts.map((v) => ({ invariant: v.invariant, detail: v.detail.slice(0, 300), event: v.event })), nViolations: r.violations.length })}\n`);
}
