// The Revenge host functions as the plugin sees them through `Host.getFunctions()`: every
// one is (i64 offset of a JSON request) -> (i64 offset of a JSON response). Their names
// and permissions are in src/contract/host.json; build.mjs links those the manifest grants.
declare module 'extism:host' {
  interface user {
    [name: string]: (ptr: I64) => I64;
  }
}

/** Provided by toolchain/prelude.js (not js-pdk): WASI random_get as hex. */
declare var Crypto: { randomHex(bytes: number): string };
