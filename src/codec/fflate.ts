// fflate, behind a loader. build.mjs swaps this file for a lazy version in plugin.wasm:
// fflate builds ~290 KB of Huffman tables when it initialises, and the Wizer snapshot
// would carry them in every module and instance, while most calls never compress.
import { deflateSync, inflateSync } from 'fflate';

export interface Fflate {
  deflateSync: typeof deflateSync;
  inflateSync: typeof inflateSync;
}

export const loadFflate = (): Fflate => ({ deflateSync, inflateSync });
