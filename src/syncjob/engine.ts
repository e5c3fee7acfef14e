// What the hooks use of the sync engine. In plugin.wasm this module and everything only
// it needs (src/sync, src/syncjob) is kept as source text and compiled on first use (see
// lazy.ts and build.mjs): the engine is large, and most calls (scrobbles) never sync.
export { loadJob, loadLast, startJob, stepJob } from './job.js';
export { describeLast, describeJob, syncStatus } from './describe.js';
