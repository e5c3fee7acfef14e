#!/usr/bin/env node
// Runs vitest, then prints the plain closing line CI reads ("N passed, N failed").
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'vitest-'));
const out = join(dir, 'report.json');
const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], { stdio: 'inherit' });
let summary = 'Tests: 0 passed, 0 failed';
try {
  const j = JSON.parse(readFileSync(out, 'utf8'));
  summary = `Tests: ${j.numPassedTests} passed, ${j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0)} failed` + (j.numPendingTests ? `, ${j.numPendingTests} skipped` : '');
} catch {
  summary = 'Tests: 0 passed, 1 failed';
}
rmSync(dir, { recursive: true, force: true });
console.log(`\n${summary}`);
process.exit(r.status ?? 1);
