#!/usr/bin/env node
// Builds toolchain/core.wasm (QuickJS + core.c as a WASI reactor) from pinned sources.
//
//   node toolchain/build-core.mjs          rebuild and write toolchain/core.wasm
//   node toolchain/build-core.mjs --check  rebuild in a temp dir, fail unless byte-equal
//
// Plugin builds only need the committed core.wasm (npm packages alone); this script
// needs Debian's clang, lld, wasi-libc and libclang-rt-dev-wasm32 (toolchain/install-deps.sh).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const pin = JSON.parse(readFileSync(join(here, 'quickjs.json'), 'utf8'));
const check = process.argv.includes('--check');
// Diagnostics only (e.g. -DCORE_DUMP_MEMORY): never for the committed core.wasm.
const extraFlags = (process.env.CORE_EXTRA_CFLAGS ?? '').split(/\s+/).filter(Boolean);
const outArg = process.argv.find((a) => a.startsWith('--out='))?.slice(6);
const CLANG = process.env.CLANG ?? 'clang';

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** The pinned tarball, from the project cache or `npm pack`, verified by sha256. */
function tarball() {
  const cache = join(root, '.cache');
  mkdirSync(cache, { recursive: true });
  const file = join(cache, pin.tarball);
  if (!existsSync(file)) {
    execFileSync('npm', ['pack', pin.package, '--silent', '--pack-destination', cache], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const got = sha256(readFileSync(file));
  if (got !== pin.sha256) {
    rmSync(file);
    throw new Error(`${pin.tarball}: sha256 ${got} does not match the pinned ${pin.sha256}`);
  }
  return file;
}

/** Source patches for wasm32-wasi; each must apply exactly once. */
const patches = [
  // wasi-libc's dlmalloc has malloc_usable_size in <malloc.h>, as on Linux.
  ['#elif defined(__linux__)\n#include <malloc.h>', '#elif defined(__linux__) || defined(__wasi__)\n#include <malloc.h>'],
  // No pthreads in wasi-libc.
  ['#if !defined(EMSCRIPTEN)\n#define CONFIG_ATOMICS', '#if !defined(EMSCRIPTEN) && !defined(__wasi__)\n#define CONFIG_ATOMICS'],
  // wasi's fenv.h has only FE_TONEAREST.
  ['#if !defined(_WIN32)\n/* define it if printf uses the RNDN', '#if !defined(_WIN32) && !defined(__wasi__)\n/* define it if printf uses the RNDN'],
  // As QuickJS does for Emscripten: a computed goto becomes one huge br_table anyway.
  ['#if defined(EMSCRIPTEN) || defined(_MSC_VER)\n#define DIRECT_DISPATCH  0', '#if defined(EMSCRIPTEN) || defined(_MSC_VER) || defined(__wasi__)\n#define DIRECT_DISPATCH  0'],
  // JSON.parse and JSON.stringify recurse in C with no depth bound in this release: a
  // deeply nested input overflows the embedder's native stack (a trap) long before
  // QuickJS's own stack check fires. Bound the nesting at 1000 levels.
  ['static JSValue json_parse_value(JSParseState *s)\n{',
   `static JSValue json_parse_value_unbounded(JSParseState *s);
static int json_parse_depth;
static JSValue json_parse_value(JSParseState *s)
{
    JSValue v;
    if (json_parse_depth >= JSON_MAX_DEPTH || js_check_stack_overflow(s->ctx->rt, 0))
        return JS_ThrowSyntaxError(s->ctx, "JSON nested deeper than %d levels", JSON_MAX_DEPTH);
    json_parse_depth++;
    v = json_parse_value_unbounded(s);
    json_parse_depth--;
    return v;
}
static JSValue json_parse_value_unbounded(JSParseState *s)
{`],
  ['static int js_json_to_str(JSContext *ctx, JSONStringifyContext *jsc,\n                          JSValueConst holder, JSValue val,\n                          JSValueConst indent)\n{',
   `static int js_json_to_str_unbounded(JSContext *ctx, JSONStringifyContext *jsc,
                          JSValueConst holder, JSValue val,
                          JSValueConst indent);
static int json_str_depth;
static int js_json_to_str(JSContext *ctx, JSONStringifyContext *jsc,
                          JSValueConst holder, JSValue val,
                          JSValueConst indent)
{
    int r;
    if (json_str_depth >= JSON_MAX_DEPTH || js_check_stack_overflow(ctx->rt, 0)) {
        JS_FreeValue(ctx, val);
        JS_ThrowRangeError(ctx, "JSON.stringify: value nested deeper than %d levels", JSON_MAX_DEPTH);
        return -1;
    }
    json_str_depth++;
    r = js_json_to_str_unbounded(ctx, jsc, holder, val, indent);
    json_str_depth--;
    return r;
}
static int js_json_to_str_unbounded(JSContext *ctx, JSONStringifyContext *jsc,
                          JSValueConst holder, JSValue val,
                          JSValueConst indent)
{`],
];
// A snapshot freezes Math.random's state: the core re-seeds it per instance.
const appendix = `
/* revenge-trakt: let the embedder seed Math.random (a Wizer snapshot freezes it). */
void JS_SetRandomSeed(JSContext *ctx, uint64_t seed)
{
    ctx->random_state = seed ? seed : 1;
}
`;

function prepareSources(work) {
  execFileSync('tar', ['xzf', tarball(), '-C', work, pin.sourceDir]);
  const src = join(work, pin.sourceDir);
  let q = readFileSync(join(src, 'quickjs.c'), 'utf8');
  for (const [from, to] of patches) {
    const n = q.split(from).length - 1;
    if (n !== 1) throw new Error(`quickjs.c patch expected once, found ${n}: ${JSON.stringify(from.slice(0, 50))}`);
    q = q.replace(from, to);
  }
  writeFileSync(join(src, 'quickjs.c'), q + appendix);
  copyFileSync(join(here, 'core', 'core.c'), join(src, 'core.c'));
  return src;
}

const cflags = [
  '-DJSON_MAX_DEPTH=1000',
  '--target=wasm32-wasi', '-nostdlibinc', '-isystem', '/usr/include/wasm32-wasi',
  '-Os', '-D_GNU_SOURCE', `-DCONFIG_VERSION="${pin.version}"`, 
  '-Wno-unused-command-line-argument', '-Wno-everything',
  // Paths must not leak into the binary, or the build depends on the temp dir's name.
  '-ffile-prefix-map=/=/', '-fno-ident',
];
const ldflags = [
  '--target=wasm32-wasi', '-nostdlib', '/usr/lib/wasm32-wasi/crt1-reactor.o',
  '-mexec-model=reactor', '-Wl,-z,stack-size=1048576', '-Wl,--stack-first', '-Wl,--strip-debug',
  '-L/usr/lib/wasm32-wasi', '-lc', '/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a',
];
const units = ['quickjs.c', 'libregexp.c', 'libunicode.c', 'cutils.c', 'core.c'];

async function compileAll(src) {
  const { spawn } = await import('node:child_process');
  const run = (file) => new Promise((resolve, reject) => {
    const p = spawn(CLANG, [...cflags, ...extraFlags, '-c', file, '-o', file.replace(/\.c$/, '.o')], { cwd: src, stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`clang failed on ${file}`))));
    p.on('error', reject);
  });
  const queue = [...units];
  const workers = Array.from({ length: Math.max(1, Math.min(cpus().length, 4)) }, async () => {
    while (queue.length) await run(queue.shift());
  });
  await Promise.all(workers);
  const out = join(src, 'core.wasm');
  execFileSync(CLANG, [...ldflags, ...units.map((u) => u.replace(/\.c$/, '.o')), '-o', out], { cwd: src, stdio: 'inherit' });
  return readFileSync(out);
}

const work = mkdtempSync(join(tmpdir(), 'revenge-core-'));
try {
  const started = process.hrtime.bigint();
  const wasm = await compileAll(prepareSources(work));
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  const target = outArg ?? join(here, 'core.wasm');
  if (extraFlags.length && !outArg) throw new Error('CORE_EXTRA_CFLAGS needs --out=: the committed core.wasm is built without them');
  if (check) {
    const committed = existsSync(target) ? readFileSync(target) : Buffer.alloc(0);
    if (!committed.equals(wasm)) {
      console.error(`core.wasm: rebuilt ${sha256(wasm)} (${wasm.length} B) != committed ${sha256(committed)} (${committed.length} B)`);
      process.exit(1);
    }
    console.log(`core.wasm: rebuilt from source in ${secs.toFixed(1)} s, byte-identical (${sha256(wasm)})`);
  } else {
    writeFileSync(target, wasm);
    console.log(`core.wasm: ${wasm.length} B, sha256 ${sha256(wasm)}, built in ${secs.toFixed(1)} s`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
