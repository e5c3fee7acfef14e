// Turns a CommonJS bundle into an Extism plugin on top of the committed core.wasm:
//   1. Wizer evaluates prelude + bundle inside the core and snapshots the heap;
//   2. binaryen adds one export per hook (a stub calling `__invoke(index)`), replaces the
//      core's single `revenge:shim/host_call` import with a dispatcher over the granted
//      `extism:host/user` imports, and drops the exports hosts must not call.
// npm packages only: no C compiler is needed to build a plugin.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const CORE_WASM = join(here, 'core.wasm');
const PRELUDE = join(here, 'prelude.js');

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The wizer binary from its npm package (the platform package ships it). */
function wizerBinary() {
  const pkg = require.resolve('@bytecodealliance/wizer/package.json');
  const bin = JSON.parse(readFileSync(pkg, 'utf8')).bin;
  return join(dirname(pkg), typeof bin === 'string' ? bin : bin.wizer);
}

/** The JS program Wizer evaluates: globals, the bundle in its own scope, the export table. */
export function programText(bundle, { exports, hostFunctions }) {
  for (const n of [...exports, ...hostFunctions]) if (!IDENT.test(n)) throw new Error(`bad name: ${n}`);
  return [
    `globalThis.__hostFunctionNames = ${JSON.stringify(hostFunctions)};`,
    readFileSync(PRELUDE, 'utf8'),
    'globalThis.__pluginModule = { exports: {} };',
    '(function (module, exports) {',
    // QuickJS: drop debug info (line tables, function source) from the snapshot.
    // Error messages stay; stack traces lose line numbers.
    '"use strip";',
    bundle,
    '})(globalThis.__pluginModule, globalThis.__pluginModule.exports);',
    `globalThis.__invokeTable = ${JSON.stringify(exports)}.map(function (name) {`,
    '  var fn = globalThis.__pluginModule.exports[name];',
    "  if (typeof fn !== 'function') throw new Error('the bundle does not export ' + name);",
    '  return fn;',
    '});',
    '',
  ].join('\n');
}

function snapshot(program) {
  const dir = mkdtempSync(join(tmpdir(), 'revenge-wizer-'));
  try {
    const out = join(dir, 'out.wasm');
    execFileSync(wizerBinary(), ['--allow-wasi', '--inherit-stdio', 'true', '-o', out, '--', CORE_WASM], {
      input: program,
      stdio: ['pipe', 'inherit', 'inherit'],
      maxBuffer: 64 << 20,
    });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function findImport(mod, moduleName, baseName) {
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
    if (info.module === moduleName && info.base === baseName) return info.name;
  }
  return null;
}

function findExportedFunction(mod, exportName) {
  for (let i = 0; i < mod.getNumExports(); i++) {
    const info = binaryen.getExportInfo(mod.getExportByIndex(i));
    if (info.name === exportName) return info.value;
  }
  return null;
}

function link(wasm, { exports, hostFunctions }) {
  const mod = binaryen.readBinary(wasm);
  try {
    const { i32, i64, none } = binaryen;
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory | binaryen.Features.SignExt);

    // host_call(index, arg) -> the index-th granted host function, 0 (null) for any other.
    const shim = findImport(mod, 'revenge:shim', 'host_call');
    if (!shim) throw new Error('core.wasm has no revenge:shim/host_call import');
    mod.removeFunction(shim);
    let body = mod.i64.const(0n);
    hostFunctions.forEach((name, index) => {
      const internal = `revenge_host_${name}`;
      mod.addFunctionImport(internal, 'extism:host/user', name, i64, i64);
      body = mod.if(
        mod.i32.eq(mod.local.get(0, i32), mod.i32.const(index)),
        mod.call(internal, [mod.local.get(1, i64)], i64),
        body,
      );
    });
    // Walked from the last import, so the chain tests index 0 last; order is irrelevant.
    mod.addFunction(shim, binaryen.createType([i32, i64]), i64, [], body);

    const invoke = findExportedFunction(mod, '__invoke');
    if (!invoke) throw new Error('core.wasm has no __invoke export');
    exports.forEach((name, index) => {
      const internal = `revenge_export_${name}`;
      mod.addFunction(internal, none, i32, [], mod.call(invoke, [mod.i32.const(index)], i32));
      mod.addFunctionExport(internal, name);
    });
    mod.removeExport('__invoke');
    // wasi-libc's constructors already ran inside the snapshot.
    mod.removeExport('_initialize');

    if (!mod.validate()) throw new Error('the linked module does not validate');
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

/**
 * @param {string} bundle CommonJS source whose module.exports has every name in `exports`
 * @param {{exports: string[], hostFunctions: string[]}} opts hook export names, and the
 *   host functions (extism:host/user, (i64)->i64) to link, in the order `Host.getFunctions` sees
 * @returns {Uint8Array} the plugin module
 */
export function compilePlugin(bundle, opts) {
  return link(snapshot(programText(bundle, opts)), opts);
}
