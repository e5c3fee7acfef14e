// The Revenge host functions (../../docs/host-contract.md section 3), as the plugin sees
// them through `Host.getFunctions()`. build.mjs reads this file: every function here whose
// permission the manifest grants is linked as an `extism:host/user` import (i64)->i64;
// the others are absent at run time. JSON in, JSON out.
declare module 'extism:host' {
  interface user {
    http_send(ptr: I64): I64;
    kv_get(ptr: I64): I64;
    kv_set(ptr: I64): I64;
    kv_delete(ptr: I64): I64;
    kv_list(ptr: I64): I64;
    secret_get(ptr: I64): I64;
    secret_set(ptr: I64): I64;
    secret_delete(ptr: I64): I64;
    schedule_set(ptr: I64): I64;
    schedule_cancel(ptr: I64): I64;
    settings_get(ptr: I64): I64;
    clock_now(ptr: I64): I64;
    library_query(ptr: I64): I64;
    library_apply(ptr: I64): I64;
  }
}

/** Provided by toolchain/prelude.js (not js-pdk): WASI random_get as hex. */
declare var Crypto: { randomHex(bytes: number): string };
