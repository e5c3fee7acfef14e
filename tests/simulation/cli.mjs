#!/usr/bin/env node
// npm run sim -- --seeds N [--from S] | --seed S [--events file.json] [--shrink] [--json] [--nodes 2]
// --nodes N: the world on N node processes on one PostgreSQL database (nodes.mjs; a fresh
// database per seed), a node SIGKILLed where the world crashes a call.
// Runs simulated worlds; prints each failure with its seed, invariant, event and the
// command that replays it. Exit code 1 when any run failed.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { replayCommand, runSeed, shrink } from './runner.mjs';
import { freshDatabase, testCluster } from '../../host-stubs/pg/cluster.mjs';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const flag = (name) => args.includes(`--${name}`);

/** Prints one run's failures; returns whether it failed. */
export function report(r, { eventsFile } = {}) {
  if (!r.violations.length) return false;
  const byInv = new Map();
  for (const v of r.violations) if (!byInv.has(v.invariant)) byInv.set(v.invariant, v);
  console.log(`\nFAIL seed ${r.seed}: ${r.violations.length} violation(s) of ${[...byInv.keys()].join(', ')}`);
  for (const v of byInv.values()) {
    const ev = v.event ? `event #${v.event.index} ${JSON.stringify(v.event.ev)}` : 'setup';
    console.log(`  ${v.invariant} at ${v.at}: ${v.detail}\n    during ${ev}`);
  }
  console.log(`  replay: ${replayCommand(r.seed, eventsFile)}`);
  return true;
}

/** The run options of --nodes: a PostgreSQL cluster once, a fresh database per seed. */
let cluster = null;
async function nodeOpts(seed) {
  const nodes = Number(opt('nodes') ?? 1);
  if (nodes <= 1) return {};
  cluster ??= await testCluster();
  if (!cluster) throw new Error('--nodes needs PostgreSQL (host-stubs/pg/install-pg.sh)');
  return { nodes, db: await freshDatabase(cluster.url, `sim_${process.pid}_${seed}`) };
}

async function main() {
  const seed = opt('seed');
  if (seed !== undefined) {
    const events = opt('events') ? JSON.parse(readFileSync(opt('events'), 'utf8')) : undefined;
    const r = await runSeed(Number(seed), { events, ...await nodeOpts(seed) });
    if (flag('json')) console.log(JSON.stringify(r, null, 1));
    console.log(`seed ${r.seed}: ${r.users} users, ${r.events} events, ${r.stats.calls} calls, ${r.stats.requests} requests, faults ${JSON.stringify(r.faults)}, ${r.ms} ms`);
    const failed = report(r, { eventsFile: opt('events') });
    if (failed && flag('shrink')) {
      const inv = r.violations[0].invariant;
      const s = await shrink(r.seed, r.scenario.events, inv, { log: (m) => console.log(`  ${m}`) });
      mkdirSync('sim-failures', { recursive: true });
      const file = `sim-failures/seed-${r.seed}.json`;
      writeFileSync(file, JSON.stringify(s.events, null, 1));
      console.log(`  shrunk ${r.scenario.events.length} -> ${s.events.length} events in ${s.runs} runs: ${file}\n  replay: ${replayCommand(r.seed, file)}`);
    }
    process.exitCode = failed ? 1 : 0;
    return;
  }
  const n = Number(opt('seeds') ?? 10);
  const from = Number(opt('from') ?? 1);
  let failed = 0;
  for (let s = from; s < from + n; s++) {
    const r = await runSeed(s, await nodeOpts(s));
    if (report(r)) failed++;
    else if (!flag('quiet')) console.log(`ok seed ${s} (${r.events} events, ${r.stats.calls} calls${r.stats.kills ? `, ${r.stats.kills} nodes killed` : ''}, ${r.ms} ms)`);
  }
  console.log(`\n${n} seeds, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
  cluster?.stop();
}
