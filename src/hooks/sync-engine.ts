// The sync engine behind a loader. In Node (tests) it is the module itself; build.mjs
// replaces this file in plugin.wasm with a loader that compiles the engine's bundled
// source on first use, sharing every other module with the main bundle.
import * as engine from '../sync/engine.js';

export type SyncEngine = typeof engine;
export const loadSyncEngine = (): SyncEngine => engine;
