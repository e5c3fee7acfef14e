// What the hooks use of the sync engine. In plugin.wasm this module and everything only
// it needs (src/sync, src/syncjob) is compiled on first use (see lazy.ts and build.mjs):
// the engine is large, and most calls (scrobbles) never sync.
export { startJob, stepJob } from './runner.js';
export { loadJob, loadLast } from './job.js';
export { describeLast, describeJob, syncStatus } from './describe.js';
