/*
 * The engine core: QuickJS linked as a WASI reactor that speaks the Extism ABI.
 *
 * Build time: Wizer calls `wizer.initialize`, which reads one JavaScript program from
 * stdin (the js-pdk prelude + the plugin bundle), evaluates it and leaves the whole
 * heap in the snapshot. Run time: every hook export is a two-instruction stub (added by
 * toolchain/compile.mjs) that calls `__invoke(index)`, which runs
 * `globalThis.__invokeTable[index]`.
 *
 * Host functions of the Revenge contract are reached through one import,
 * `revenge:shim/host_call(index, offset)`, which compile.mjs replaces with a dispatcher
 * over the real `extism:host/user` imports that the manifest grants. The core therefore
 * never changes when a plugin's host functions do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <malloc.h>
#include "quickjs.h"

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

typedef uint64_t ExtismPointer;

IMPORT("extism:host/env", "alloc") ExtismPointer extism_alloc(uint64_t n);
IMPORT("extism:host/env", "free") void extism_free(ExtismPointer p);
IMPORT("extism:host/env", "length") uint64_t extism_length(ExtismPointer p);
IMPORT("extism:host/env", "load_u8") uint32_t extism_load_u8(ExtismPointer p);
IMPORT("extism:host/env", "load_u64") uint64_t extism_load_u64(ExtismPointer p);
IMPORT("extism:host/env", "store_u8") void extism_store_u8(ExtismPointer p, uint32_t v);
IMPORT("extism:host/env", "store_u64") void extism_store_u64(ExtismPointer p, uint64_t v);
IMPORT("extism:host/env", "input_length") uint64_t extism_input_length(void);
IMPORT("extism:host/env", "input_load_u8") uint32_t extism_input_load_u8(ExtismPointer p);
IMPORT("extism:host/env", "input_load_u64") uint64_t extism_input_load_u64(ExtismPointer p);
IMPORT("extism:host/env", "output_set") void extism_output_set(ExtismPointer p, uint64_t n);
IMPORT("extism:host/env", "error_set") void extism_error_set(ExtismPointer p);
IMPORT("extism:host/env", "config_get") ExtismPointer extism_config_get(ExtismPointer key);
IMPORT("extism:host/env", "var_get") ExtismPointer extism_var_get(ExtismPointer key);
IMPORT("extism:host/env", "var_set") void extism_var_set(ExtismPointer key, ExtismPointer value);
IMPORT("extism:host/env", "log_info") void extism_log_info(ExtismPointer p);
IMPORT("extism:host/env", "log_debug") void extism_log_debug(ExtismPointer p);
IMPORT("extism:host/env", "log_warn") void extism_log_warn(ExtismPointer p);
IMPORT("extism:host/env", "log_error") void extism_log_error(ExtismPointer p);
IMPORT("revenge:shim", "host_call") ExtismPointer shim_host_call(int32_t index, ExtismPointer arg);

/* Provided by the patched quickjs.c (see build-core.mjs). */
void JS_SetRandomSeed(JSContext *ctx, uint64_t seed);

/* QuickJS's own stack check must fire long before the embedder's native stack (V8's,
 * wazero's) runs out: each JS frame costs far more native stack than shadow stack. */
#ifndef CORE_JS_STACK_BYTES
#define CORE_JS_STACK_BYTES (192 * 1024)
#endif
/* An out-of-memory JS exception instead of a trap, well under the host's 256 MiB cap. */
#ifndef CORE_JS_MEMORY_BYTES
#define CORE_JS_MEMORY_BYTES (160u * 1024u * 1024u)
#endif

static JSRuntime *rt;
static JSContext *ctx;
static int seeded; /* 0 in the snapshot, so every fresh instance re-seeds Math.random */

/* ---- the JS heap's allocator ------------------------------------------------------ */

/* QuickJS's default allocator functions (same accounting, so JS_SetMemoryLimit holds),
 * plus one thing: during the Wizer run, memory QuickJS frees is zeroed first. The
 * snapshot leaves zero bytes out, so the parser's garbage and the source text of what was
 * compiled to bytecode cost nothing in plugin.wasm. Off at run time (the flag is 0 in the
 * snapshot's last state). */
#define CORE_MALLOC_OVERHEAD 8
static int zero_freed;
/* Through a volatile pointer: the compiler drops a plain memset right before free(). */
static void *(*volatile wipe)(void *, int, size_t) = memset;

static void *core_malloc(JSMallocState *s, size_t size) {
  if (s->malloc_size + size > s->malloc_limit) return NULL;
  void *p = malloc(size);
  if (!p) return NULL;
  s->malloc_count++;
  s->malloc_size += malloc_usable_size(p) + CORE_MALLOC_OVERHEAD;
  return p;
}

static void core_free(JSMallocState *s, void *p) {
  if (!p) return;
  size_t n = malloc_usable_size(p);
  s->malloc_count--;
  s->malloc_size -= n + CORE_MALLOC_OVERHEAD;
  if (zero_freed) wipe(p, 0, n);
  free(p);
}

static void *core_realloc(JSMallocState *s, void *p, size_t size) {
  if (!p) return size ? core_malloc(s, size) : NULL;
  if (size == 0) { core_free(s, p); return NULL; }
  size_t old = malloc_usable_size(p);
  if (s->malloc_size + size - old > s->malloc_limit) return NULL;
  void *q;
  if (zero_freed && size > old) {
    /* Moved by hand, so the old block is zeroed before it is freed. */
    q = malloc(size);
    if (!q) return NULL;
    memcpy(q, p, old);
    wipe(p, 0, old);
    free(p);
  } else {
    if (zero_freed) wipe((uint8_t *)p + size, 0, old - size); /* the tail a shrink frees */
    q = realloc(p, size);
    if (!q) return NULL;
  }
  s->malloc_size += malloc_usable_size(q) - old;
  return q;
}

static size_t core_usable_size(const void *p) { return malloc_usable_size((void *)p); }

static const JSMallocFunctions core_malloc_funcs = { core_malloc, core_free, core_realloc, core_usable_size };

/* ---- Extism memory <-> C buffers ------------------------------------------------ */

static ExtismPointer store_bytes(const uint8_t *src, uint64_t n) {
  ExtismPointer p = extism_alloc(n);
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, src + i, 8);
    extism_store_u64(p + i, v);
  }
  for (; i < n; i++) extism_store_u8(p + i, src[i]);
  return p;
}

static uint8_t *load_bytes(ExtismPointer p, uint64_t n) {
  uint8_t *dst = malloc(n + 1);
  if (!dst) return NULL;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = extism_load_u64(p + i);
    memcpy(dst + i, &v, 8);
  }
  for (; i < n; i++) dst[i] = (uint8_t)extism_load_u8(p + i);
  dst[n] = 0;
  return dst;
}

static uint8_t *load_input(uint64_t *len) {
  uint64_t n = extism_input_length();
  uint8_t *dst = malloc(n + 1);
  if (!dst) return NULL;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = extism_input_load_u64(i);
    memcpy(dst + i, &v, 8);
  }
  for (; i < n; i++) dst[i] = (uint8_t)extism_input_load_u8(i);
  dst[n] = 0;
  *len = n;
  return dst;
}

static ExtismPointer store_js_string(JSContext *c, JSValueConst v, int *ok) {
  size_t n;
  const char *s = JS_ToCStringLen(c, &n, v);
  if (!s) { *ok = 0; return 0; }
  ExtismPointer p = store_bytes((const uint8_t *)s, n);
  JS_FreeCString(c, s);
  *ok = 1;
  return p;
}

static int to_pointer(JSContext *c, ExtismPointer *out, JSValueConst v) {
  int64_t x;
  if (JS_ToInt64Ext(c, &x, v)) return -1;
  *out = (ExtismPointer)x;
  return 0;
}

static JSValue read_string_at(JSContext *c, ExtismPointer p) {
  if (p == 0) return JS_NULL;
  uint64_t n = extism_length(p);
  uint8_t *b = load_bytes(p, n);
  if (!b) return JS_ThrowOutOfMemory(c);
  JSValue s = JS_NewStringLen(c, (const char *)b, n);
  free(b);
  return s;
}

/* ---- the primitives behind the js-pdk globals (toolchain/prelude.js) ------------- */

static JSValue f_input_string(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  uint64_t n;
  uint8_t *b = load_input(&n);
  if (!b) return JS_ThrowOutOfMemory(c);
  JSValue s = JS_NewStringLen(c, (const char *)b, n);
  free(b);
  return s;
}

static JSValue f_output_string(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  int ok;
  size_t n;
  const char *s = JS_ToCStringLen(c, &n, argv[0]);
  if (!s) return JS_EXCEPTION;
  ExtismPointer p = store_bytes((const uint8_t *)s, n);
  JS_FreeCString(c, s);
  extism_output_set(p, n);
  (void)ok;
  return JS_TRUE;
}

/* alloc a string in Extism memory: returns [offset, length] */
static JSValue f_store_string(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  size_t n;
  const char *s = JS_ToCStringLen(c, &n, argv[0]);
  if (!s) return JS_EXCEPTION;
  ExtismPointer p = store_bytes((const uint8_t *)s, n);
  JS_FreeCString(c, s);
  JSValue arr = JS_NewArray(c);
  JS_SetPropertyUint32(c, arr, 0, JS_NewInt64(c, (int64_t)p));
  JS_SetPropertyUint32(c, arr, 1, JS_NewInt64(c, (int64_t)n));
  return arr;
}

static JSValue f_read_string(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  ExtismPointer p;
  if (to_pointer(c, &p, argv[0])) return JS_EXCEPTION;
  return read_string_at(c, p);
}

static JSValue f_length(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  ExtismPointer p;
  if (to_pointer(c, &p, argv[0])) return JS_EXCEPTION;
  return JS_NewInt64(c, p ? (int64_t)extism_length(p) : 0);
}

static JSValue f_free(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  ExtismPointer p;
  if (to_pointer(c, &p, argv[0])) return JS_EXCEPTION;
  if (p) extism_free(p);
  return JS_UNDEFINED;
}

static JSValue f_host_call(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  int32_t index;
  ExtismPointer arg;
  if (JS_ToInt32(c, &index, argv[0])) return JS_EXCEPTION;
  if (to_pointer(c, &arg, argv[1])) return JS_EXCEPTION;
  return JS_NewInt64(c, (int64_t)shim_host_call(index, arg));
}

static JSValue f_log(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  int32_t level;
  int ok;
  if (JS_ToInt32(c, &level, argv[0])) return JS_EXCEPTION;
  ExtismPointer p = store_js_string(c, argv[1], &ok);
  if (!ok) return JS_EXCEPTION;
  switch (level) {
    case 0: extism_log_debug(p); break;
    case 1: extism_log_info(p); break;
    case 2: extism_log_warn(p); break;
    default: extism_log_error(p); break;
  }
  extism_free(p);
  return JS_UNDEFINED;
}

static JSValue f_config_get(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  int ok;
  ExtismPointer k = store_js_string(c, argv[0], &ok);
  if (!ok) return JS_EXCEPTION;
  ExtismPointer v = extism_config_get(k);
  extism_free(k);
  JSValue s = read_string_at(c, v);
  if (v) extism_free(v);
  return s;
}

static JSValue f_var_get(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  int ok;
  ExtismPointer k = store_js_string(c, argv[0], &ok);
  if (!ok) return JS_EXCEPTION;
  ExtismPointer v = extism_var_get(k);
  extism_free(k);
  return read_string_at(c, v);
}

static JSValue f_var_set(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  int ok;
  ExtismPointer k = store_js_string(c, argv[0], &ok);
  if (!ok) return JS_EXCEPTION;
  ExtismPointer v = 0;
  if (!JS_IsNull(argv[1]) && !JS_IsUndefined(argv[1])) {
    v = store_js_string(c, argv[1], &ok);
    if (!ok) { extism_free(k); return JS_EXCEPTION; }
  }
  extism_var_set(k, v);
  extism_free(k);
  return JS_UNDEFINED;
}

static JSValue f_run_jobs(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  JSContext *jc;
  int r;
  while ((r = JS_ExecutePendingJob(JS_GetRuntime(c), &jc)) > 0) {}
  if (r < 0) return JS_Throw(c, JS_GetException(jc));
  return JS_UNDEFINED;
}

/* n bytes from WASI random_get as lowercase hex: OAuth state and PKCE verifiers need
 * real entropy, not Math.random's xorshift. */
static JSValue f_random_hex(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  int32_t n;
  if (JS_ToInt32(c, &n, argv[0])) return JS_EXCEPTION;
  if (n < 1 || n > 256) return JS_ThrowRangeError(c, "randomHex: 1 to 256 bytes");
  uint8_t buf[256];
  char hex[513];
  if (getentropy(buf, (size_t)n) != 0) return JS_ThrowInternalError(c, "randomHex: no entropy");
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < n; i++) {
    hex[2 * i] = digits[buf[i] >> 4];
    hex[2 * i + 1] = digits[buf[i] & 15];
  }
  return JS_NewStringLen(c, hex, (size_t)(2 * n));
}

/* ---- precompiled bytecode --------------------------------------------------------- */

/* compileBytecode(source): compiles a global script without running it and returns its
 * QuickJS bytecode (JS_WriteObject) as an ArrayBuffer. Called at build time inside the
 * Wizer run: a lazily loaded part of the bundle is kept compiled, never parsed again. */
static JSValue f_compile_bytecode(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  size_t n;
  const char *s = JS_ToCStringLen(c, &n, argv[0]);
  if (!s) return JS_EXCEPTION;
  JSValue fn = JS_Eval(c, s, n, "lazy.js", JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY);
  JS_FreeCString(c, s);
  if (JS_IsException(fn)) return fn;
  size_t len;
  uint8_t *buf = JS_WriteObject(c, &len, fn, JS_WRITE_OBJ_BYTECODE);
  JS_FreeValue(c, fn);
  if (!buf) return JS_EXCEPTION;
  JSValue ab = JS_NewArrayBufferCopy(c, buf, len);
  js_free(c, buf);
  return ab;
}

/* evalBytecode(buffer): runs what compileBytecode made (JS_ReadObject, no parsing) and
 * returns the script's completion value. */
static JSValue f_eval_bytecode(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
  size_t len;
  uint8_t *buf = JS_GetArrayBuffer(c, &len, argv[0]);
  if (!buf) return JS_EXCEPTION;
  JSValue fn = JS_ReadObject(c, buf, len, JS_READ_OBJ_BYTECODE);
  if (JS_IsException(fn)) return fn;
  return JS_EvalFunction(c, fn);
}

static const JSCFunctionListEntry ext_funcs[] = {
  JS_CFUNC_DEF("compileBytecode", 1, f_compile_bytecode),
  JS_CFUNC_DEF("evalBytecode", 1, f_eval_bytecode),
  JS_CFUNC_DEF("randomHex", 1, f_random_hex),
  JS_CFUNC_DEF("inputString", 0, f_input_string),
  JS_CFUNC_DEF("outputString", 1, f_output_string),
  JS_CFUNC_DEF("storeString", 1, f_store_string),
  JS_CFUNC_DEF("readString", 1, f_read_string),
  JS_CFUNC_DEF("length", 1, f_length),
  JS_CFUNC_DEF("free", 1, f_free),
  JS_CFUNC_DEF("hostCall", 2, f_host_call),
  JS_CFUNC_DEF("log", 2, f_log),
  JS_CFUNC_DEF("configGet", 1, f_config_get),
  JS_CFUNC_DEF("varGet", 1, f_var_get),
  JS_CFUNC_DEF("varSet", 2, f_var_set),
  JS_CFUNC_DEF("runJobs", 0, f_run_jobs),
};

/* ---- errors --------------------------------------------------------------------- */

/* Hand the pending JS exception to the host as the call's error. Never traps. */
static void report_exception(void) {
  JSValue e = JS_GetException(ctx);
  JSValue msg = JS_UNDEFINED;
  if (JS_IsError(ctx, e)) msg = JS_GetPropertyStr(ctx, e, "message");
  const char *s = JS_ToCString(ctx, JS_IsUndefined(msg) ? e : msg);
  const char *text = s ? s : "plugin error (the exception could not be turned into text)";
  ExtismPointer p = store_bytes((const uint8_t *)text, strlen(text));
  extism_error_set(p);
  if (s) JS_FreeCString(ctx, s);
  JS_FreeValue(ctx, msg);
  JS_FreeValue(ctx, e);
}

/* ---- build time: Wizer ---------------------------------------------------------- */

static uint8_t *read_stdin(size_t *len) {
  size_t cap = 1 << 20, n = 0;
  uint8_t *buf = malloc(cap + 1);
  for (;;) {
    ssize_t r = read(0, buf + n, cap - n);
    if (r < 0) { perror("core: read stdin"); abort(); }
    if (r == 0) break;
    n += (size_t)r;
    if (n == cap) { cap *= 2; buf = realloc(buf, cap + 1); }
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

/* wasi-libc's constructors; the reactor's `_initialize` export is dropped after Wizer so
 * that hosts do not run them a second time on the snapshot. */
extern void __wasm_call_ctors(void);

EXPORT("wizer.initialize") void core_initialize(void) {
  __wasm_call_ctors();
  size_t len;
  uint8_t *src = read_stdin(&len);
  zero_freed = 1;
  rt = JS_NewRuntime2(&core_malloc_funcs, NULL);
  JS_SetMemoryLimit(rt, CORE_JS_MEMORY_BYTES);
  JS_SetMaxStackSize(rt, CORE_JS_STACK_BYTES);
  ctx = JS_NewContext(rt);

  JSValue global = JS_GetGlobalObject(ctx);
  JSValue ext = JS_NewObject(ctx);
  JS_SetPropertyFunctionList(ctx, ext, ext_funcs, sizeof(ext_funcs) / sizeof(ext_funcs[0]));
  JS_SetPropertyStr(ctx, global, "__ext", ext);
  JS_FreeValue(ctx, global);

  JSValue r = JS_Eval(ctx, (const char *)src, len, "plugin.js", JS_EVAL_TYPE_GLOBAL);
  if (JS_IsException(r)) {
    JSValue e = JS_GetException(ctx);
    const char *s = JS_ToCString(ctx, e);
    JSValue st = JS_GetPropertyStr(ctx, e, "stack");
    const char *ss = JS_ToCString(ctx, st);
    fprintf(stderr, "core: the bundle threw while loading: %s\n%s\n", s ? s : "?", ss ? ss : "");
    abort();
  }
  JS_FreeValue(ctx, r);
  JSContext *jc;
  while (JS_ExecutePendingJob(rt, &jc) > 0) {}
  wipe(src, 0, len);
  free(src);
  JS_RunGC(rt);
  zero_freed = 0;
#ifdef CORE_DUMP_MEMORY
  JSMemoryUsage mu;
  JS_ComputeMemoryUsage(rt, &mu);
  JS_DumpMemoryUsage(stderr, &mu, rt);
#endif
  /* A constant seed keeps the snapshot byte-reproducible; __invoke re-seeds. */
  JS_SetRandomSeed(ctx, 1);
}

/* ---- run time ------------------------------------------------------------------- */

EXPORT("__invoke") int32_t core_invoke(int32_t index) {
  if (!seeded) {
    uint64_t seed = 0;
    if (getentropy(&seed, sizeof seed) != 0 || seed == 0) seed = 0x9E3779B97F4A7C15ull;
    JS_SetRandomSeed(ctx, seed);
    seeded = 1;
  }
  /* The snapshot was taken on another stack: measure the limit from here. */
  JS_UpdateStackTop(rt);

  JSValue global = JS_GetGlobalObject(ctx);
  JSValue invoke = JS_GetPropertyStr(ctx, global, "__invokeExport");
  JS_FreeValue(ctx, global);
  JSValue arg = JS_NewInt32(ctx, index);
  JSValue r = JS_Call(ctx, invoke, JS_UNDEFINED, 1, &arg);
  JS_FreeValue(ctx, invoke);
  if (JS_IsException(r)) {
    report_exception();
    return 1;
  }
  int32_t code = 0;
  if (JS_IsNumber(r)) JS_ToInt32(ctx, &code, r);
  JS_FreeValue(ctx, r);
  return code;
}
