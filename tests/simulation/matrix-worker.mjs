// A child process of the fault-matrix bench: runs the cells it is given (JSON on argv)
// and prints one JSON line per run.
import { runCell } from './matrix.mjs';

const cells = JSON.parse(process.argv[2]);
for (const [op, kind, variant] of cells) {
  let r;
  try { r = await runCell(op, kind, variant); } catch (e) { r = { counts: { lost: 0, duplicated: 0, diverged: 0, timeChanged: 0 }, fired: false, violations: [{ invariant: 'harness', detail: String(e?.stack ?? e).slice(0, 400) }] }; }
  process.stdout.write(`${JSON.stringify({ op, kind, variant, ...r })}\n`);
}
