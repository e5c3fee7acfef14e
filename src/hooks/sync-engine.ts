// The sync engine behind a loader. In Node (tests) it is the module itself; build.mjs
// replaces this file in plugin.wasm with a loader that compiles the engine's bundled
// source on first use, sharing every other module with the main bundle.
import * as engine from '../sync/engine.js';

/** What the hooks can call of the lazily loaded sync engine. */
export type SyncEngine = typeof engine;
/** The sync engine module (in plugin.wasm, build.mjs swaps this for a loader that compiles it on first use). */
export const loadSyncEngine = (): SyncEngine => engine;
