// npm run bench -- sim: thousands of simulated worlds (tests/simulation) in parallel
// processes, one table. SIM_SEEDS (default 2000), SIM_FROM (default 1), SIM_PROCS (2).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { table } from './lib.mjs';

const WORKER = fileURLToPath(new URL('../tests/simulation/worker.mjs', import.meta.url));

/** Runs seeds [from, from + n) in `procs` processes; resolves with one summary per seed. */
export function runSeeds(from, n, procs, onLine = () => {}) {
  const per = Math.ceil(n / procs);
  const jobs = [];
  for (let p = 0; p < procs; p++) {
    const a = from + p * per;
    const b = Math.min(from + n, a + per);
    if (a >= b) continue;
    jobs.push(new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--no-warnings', WORKER, String(a), String(b)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const out = [];
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) { const line = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1); out.push(line); onLine(line); }
      });
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`sim worker exited with ${code}`))));
    }));
  }
  return Promise.all(jobs).then((r) => r.flat().sort((a, b) => a.seed - b.seed));
}

export async function benchSim({ seeds = Number(process.env.SIM_SEEDS ?? 2000), from = Number(process.env.SIM_FROM ?? 1), procs = Number(process.env.SIM_PROCS ?? 2) } = {}) {
  const t0 = performance.now();
  let done = 0;
  // A failing seed is told at once (a long run need not end to be looked at).
  const results = await runSeeds(from, seeds, procs, (r) => {
    if (r.invariants.length) process.stderr.write(`  FAIL seed ${r.seed}: ${[...new Set(r.invariants.map((v) => v.invariant))].join(', ')} (npm run sim -- --seed ${r.seed})\n`);
    if (++done % 50 === 0) process.stderr.write(`  ${done}/${seeds} seeds\n`);
  });
  const sum = (f) => results.reduce((s, r) => s + f(r), 0);
  const faults = {};
  for (const r of results) for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + v;
  const failed = results.filter((r) => r.invariants.length);
  const traps = sum((r) => (r.invariants.some((v) => v.invariant === 'no-trap') ? 1 : 0));
  const leaked = sum((r) => (r.invariants.some((v) => v.invariant === 'no-secret-leak') ? 1 : 0));
  table(`simulation: ${seeds} seeds from ${from} in ${procs} processes, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    ['seeds', 'users', 'events', 'calls', 'Trakt requests', 'crashes', 'redeliveries', 'timeouts', 'lost', 'duplicated', 'diverged', 'time changed', 'leaked', 'traps', 'failed seeds', 'peak wasm memory'],
    [{ seeds: results.length, users: sum((r) => r.users), events: sum((r) => r.events), calls: sum((r) => r.stats.calls), 'Trakt requests': sum((r) => r.stats.requests), crashes: sum((r) => r.stats.crashes), redeliveries: sum((r) => r.stats.redeliveries), timeouts: sum((r) => r.stats.timeouts), lost: sum((r) => r.counts.lost), duplicated: sum((r) => r.counts.duplicated), diverged: sum((r) => r.counts.diverged), 'time changed': sum((r) => r.counts.timeChanged), leaked, traps, 'failed seeds': failed.length, 'peak wasm memory': `${(Math.max(...results.map((r) => r.stats.peakMemory)) / 1048576).toFixed(1)} MiB` }]);
  table('faults injected, by kind', Object.keys(faults), [faults]);
  const byInv = new Map();
  for (const r of results) for (const v of r.invariants) { if (!byInv.has(v.invariant)) byInv.set(v.invariant, []); byInv.get(v.invariant).push(r.seed); }
  table('failures by invariant (seeds; the first one replays with `npm run sim -- --seed S`)', ['invariant', 'seeds failing', 'first seeds', 'first detail'],
    [...byInv].sort((a, b) => b[1].length - a[1].length).map(([inv, ss]) => ({ invariant: inv, 'seeds failing': ss.length, 'first seeds': ss.slice(0, 5).join(' '), 'first detail': results.find((r) => r.seed === ss[0]).invariants.find((v) => v.invariant === inv).detail.slice(0, 140) })));
  const clean = results.filter((r) => !r.faults['420'] && !r.faults['423']);
  const byInv2 = new Map();
  for (const r of clean) for (const v of r.invariants) { if (!byInv2.has(v.invariant)) byInv2.set(v.invariant, []); byInv2.get(v.invariant).push(r.seed); }
  table(`the same, on the ${clean.length} seeds where no 420 or 423 was injected (those stop an area or all writes until the user acts)`, ['invariant', 'seeds failing', 'first seeds'],
    [...byInv2].sort((a, b) => b[1].length - a[1].length).map(([inv, ss]) => ({ invariant: inv, 'seeds failing': ss.length, 'first seeds': ss.slice(0, 8).join(' ') })));
  if (process.env.SIM_OUT) writeFileSync(process.env.SIM_OUT, results.map((r) => JSON.stringify(r)).join('\n'));
  return results;
}
