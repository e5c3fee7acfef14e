// fflate, behind a loader. build.mjs swaps this file for a lazy version in plugin.wasm:
// fflate builds ~290 KB of Huffman tables when it initialises, and the Wizer snapshot
// would carry them in every module and instance, while most calls never compress.
// The one copy of fflate in plugin.wasm: the sync engine (src/sync/state.ts) uses it too.
import { Deflate, Inflate, deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';

/** The parts of fflate the plugin uses (deflate, inflate, string conversion). */
export interface Fflate {
  deflateSync: typeof deflateSync;
  inflateSync: typeof inflateSync;
  Deflate: typeof Deflate;
  Inflate: typeof Inflate;
  strFromU8: typeof strFromU8;
  strToU8: typeof strToU8;
}

const lib: Fflate = { deflateSync, inflateSync, Deflate, Inflate, strFromU8, strToU8 };
/** The fflate functions, behind a loader so the bundle can share one copy. */
export const loadFflate = (): Fflate => lib;
