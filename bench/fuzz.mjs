// npm run bench -- fuzz: 100,000 fast-check cases on the real plugin.wasm (every hook;
// valid, near-valid and hostile inputs), in FUZZ_PROCS processes (default 2), each with
// its own seed and host. FUZZ_RUNS changes the total.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { table } from './lib.mjs';

const WORKER = fileURLToPath(new URL('../tests/fuzz/worker.mjs', import.meta.url));

export async function benchFuzz({ runs = Number(process.env.FUZZ_RUNS ?? 100_000), procs = Number(process.env.FUZZ_PROCS ?? 2) } = {}) {
  const t0 = performance.now();
  const per = Math.ceil(runs / procs);
  const results = await Promise.all(Array.from({ length: procs }, (_, p) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', WORKER, String(per), String(1000 + p)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`fuzz worker exited with ${code}`))));
  })));
  const sum = (f) => results.reduce((s, r) => s + f(r), 0);
  const byHook = {};
  for (const r of results) for (const [k, v] of Object.entries(r.stats.byHook)) byHook[k] = (byHook[k] ?? 0) + v;
  table(`hook fuzzing: ${sum((r) => r.stats.cases)} cases in ${procs} processes, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    ['cases', 'refused with an error', 'traps', 'failures', ...Object.keys(byHook)],
    [{ cases: sum((r) => r.stats.cases), 'refused with an error': sum((r) => r.stats.errors), traps: sum((r) => r.stats.traps), failures: results.filter((r) => r.failure).length, ...byHook }]);
  for (const r of results) if (r.failure) console.log(`\nfuzz failure (seed ${r.seed}):\n${r.failure}`);
  return results;
}
