// A child process of the fuzz bench: `runs` cases from one seed; prints a JSON summary.
// The cases go in chunks, each on a fresh host: one host's state grows with every case
// (a session per probe), and the bench measures the hooks, not a host thousands of open
// sessions old. Each chunk still checks that the next valid call finds its state intact.
import { fuzz, fuzzHost } from './harness.mjs';

const [runs, seed, chunk = 2_000] = process.argv.slice(2).map(Number);
const stats = { cases: 0, errors: 0, traps: 0, byHook: {} };
let failure = null;
for (let done = 0, i = 0; done < runs && !failure; done += chunk, i++) {
  const h = await fuzzHost();
  try { await fuzz({ runs: Math.min(chunk, runs - done), seed: seed * 1000 + i, h }); } catch (e) { failure = `chunk seed ${seed * 1000 + i}: ${String(e?.message ?? e).slice(0, 4000)}`; }
  await h.host.close();
  stats.cases += h.stats.cases; stats.errors += h.stats.errors; stats.traps += h.stats.traps;
  for (const [k, v] of Object.entries(h.stats.byHook)) stats.byHook[k] = (stats.byHook[k] ?? 0) + v;
  process.stderr.write(`  fuzz seed ${seed}: ${stats.cases}/${runs} cases\n`);
}
process.stdout.write(`${JSON.stringify({ seed, stats, failure })}\n`);
