// What the hooks use of the sync engine. In plugin.wasm this module and everything only
// it needs (the folder src/sync) is compiled on first use (see src/hooks/sync-engine.ts and build.mjs):
// the engine is large, and most calls (scrobbles) never sync.
export { startJob, stepJob } from './core/runner.js';
export { loadJob, loadLast } from './core/job.js';
export { describeLast, describeJob, syncStatus } from '../status/describe.js';
// The duplicate clean-up's job (src/cleanup/job.ts) rides in the same lazily loaded group: it reads like a sync.
export { startCleanup, stepCleanup } from '../cleanup/job.js';
