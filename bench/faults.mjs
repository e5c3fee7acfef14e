// npm run bench -- faults: the fault matrix (tests/simulation/matrix.mjs). Every fault kind
// against every operation: runs, lost, duplicated (and diverged, time changed, other
// invariants). HTTP faults hit the nth matching request (FAULT_NTH, default "1"; "1,2,3"
// for more runs); crashes come after FAULT_CRASH_AT host calls of the operation's call
// (default "0,8,16"). FAULT_PROCS (default 2).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { table } from './lib.mjs';

const WORKER = fileURLToPath(new URL('../tests/simulation/matrix-worker.mjs', import.meta.url));

export async function benchFaults({ procs = Number(process.env.FAULT_PROCS ?? 2) } = {}) {
  const { OPERATIONS, MATRIX_FAULTS } = await import('../tests/simulation/matrix.mjs');
  const cells = [];
  for (const op of Object.keys(OPERATIONS)) {
    for (const kind of MATRIX_FAULTS) {
      const variants = (kind === 'crash' ? process.env.FAULT_CRASH_AT ?? '0,8,16' : process.env.FAULT_NTH ?? '1').split(',').map(Number);
      for (const v of variants) cells.push([op, kind, v]);
    }
  }
  const t0 = performance.now();
  const shards = Array.from({ length: procs }, (_, p) => cells.filter((_, i) => i % procs === p));
  const results = (await Promise.all(shards.map((shard) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', WORKER, JSON.stringify(shard)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    const out = [];
    child.stdout.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\n')) >= 0) { out.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); } });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`matrix worker exited with ${code}`))));
  })))).flat();
  const rows = [];
  const others = new Map();
  for (const op of Object.keys(OPERATIONS)) {
    for (const kind of MATRIX_FAULTS) {
      const rs = results.filter((r) => r.op === op && r.kind === kind);
      const sum = (f) => rs.reduce((s, r) => s + f(r), 0);
      const inv = new Set(rs.flatMap((r) => r.violations.map((v) => v.invariant)).filter((i) => !['stop-on-trakt', 'no-duplicate-play', 'original-time'].includes(i)));
      for (const r of rs) for (const v of r.violations) if (!others.has(`${op}|${kind}|${v.invariant}`)) others.set(`${op}|${kind}|${v.invariant}`, v.detail);
      rows.push({ operation: op, fault: kind, runs: rs.length, 'fault hit': sum((r) => (r.fired ? 1 : 0)), lost: sum((r) => r.counts.lost), duplicated: sum((r) => r.counts.duplicated), diverged: sum((r) => r.counts.diverged), 'time changed': sum((r) => r.counts.timeChanged), 'other invariants': [...inv].join(' ') });
    }
  }
  table(`fault matrix: ${results.length} runs in ${((performance.now() - t0) / 1000).toFixed(0)} s (one fault per run, then no faults until settled)`,
    ['operation', 'fault', 'runs', 'fault hit', 'lost', 'duplicated', 'diverged', 'time changed', 'other invariants'], rows);
  const bad = [...others].filter(([k]) => !k.endsWith('|original-time'));
  if (bad.length) {
    console.log('\nfirst detail of each failing cell (operation | fault | invariant):');
    for (const [k, d] of bad.slice(0, 60)) console.log(`  ${k}: ${d.slice(0, 220)}`);
  }
  return results;
}
