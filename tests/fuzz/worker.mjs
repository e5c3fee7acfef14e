// A child process of the fuzz bench: `runs` cases with one seed; prints a JSON summary.
import { fuzz, fuzzHost } from './harness.mjs';

const [runs, seed] = process.argv.slice(2).map(Number);
const h = await fuzzHost();
let failure = null;
try { await fuzz({ runs, seed, h }); } catch (e) { failure = String(e?.message ?? e).slice(0, 4000); }
await h.host.close();
process.stdout.write(`${JSON.stringify({ seed, stats: h.stats, failure })}\n`);
