#!/usr/bin/env node
// npm run build: src/ -> dist/plugin.wasm + dist/plugin.manifest.json.
//   1. esbuild bundles src/index.ts (CommonJS, es2020: what QuickJS 2021 runs);
//   2. toolchain/compile.mjs snapshots it inside the committed QuickJS core with Wizer
//      and links the hook exports and the host functions the manifest grants;
//   3. the manifest is copied with the module's sha256;
//   4. dist/catalog.json lists it (section 5.4), with the manifest file's sha256.
// Deterministic: the same tree gives the same bytes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { compilePlugin } from './toolchain/compile.mjs';
import { HOOK_EXPORTS, HOST_FUNCTION_PERMISSION, grantedFunctions } from './host-stubs/host/contract.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const read = (p) => readFileSync(join(root, p), 'utf8');

/** The host functions the manifest's permissions grant, in the contract's order (src/contract/host.json). */
export function grantedHostFunctions(manifest) {
  const granted = grantedFunctions(manifest);
  return [...HOST_FUNCTION_PERMISSION.keys()].filter((f) => granted.has(f));
}

/**
 * src/codec/fflate.ts in plugin.wasm: the same API, but fflate's module body (and its
 * tables) runs on first use instead of inside the snapshot. Only the functions the plugin
 * uses are bundled (tree-shaken), as a function that is compiled but not yet run.
 */
const lazyFflate = {
  name: 'lazy-fflate',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]codec[\\/]fflate\.ts$/ }, async () => {
      const inner = await esbuild.build({
        stdin: { contents: "export { Deflate, Inflate, deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';", resolveDir: root },
        bundle: true, write: false, format: 'cjs', target: 'es2020', platform: 'neutral', mainFields: ['module', 'main'], minify: true, legalComments: 'none',
      });
      const contents = `let m;\nexport function loadFflate() {\n  if (!m) { const module = { exports: {} }; (function (module, exports) {\n${inner.outputFiles[0].text}\n})(module, module.exports); m = module.exports; }\n  return m;\n}\n`;
      return { contents, loader: 'js' };
    });
  },
};

/**
 * Cold code loaded on first use. Each group's loader file (the Node version returns the
 * module itself) is replaced in plugin.wasm by a loader that holds the group's bundle as
 * QuickJS bytecode, compiled at build time inside the Wizer run (the core's
 * `Bytecode.compile`, JS_WriteObject) and loaded by `Bytecode.run` (JS_ReadObject) when
 * first called: no parsing at run time (about 15 ms for the sync engine before), and
 * serialized bytecode is far smaller in the snapshot than compiled functions. The source
 * text is freed (and zeroed, see core.c) before the snapshot. Every src/ module outside
 * the group is shared with the main bundle through the `require` it is given, so classes
 * and state stay one (HostError instanceof checks). Scrobbles never pay for it.
 */
const LAZY_GROUPS = [
  // The sync engine is exactly the folder src/sync/; status and the tick's "is there sync
  // work" (src/status/) are in the main bundle.
  // The duplicate clean-up's job and grouping (src/cleanup/job.ts, group.ts) ride along.
  { loader: 'src/hooks/sync-engine.ts', entry: 'src/sync/engine.ts', fn: 'loadSyncEngine', own: /[\\/]src[\\/](sync[\\/]|cleanup[\\/](job|group)\.ts$)/ },
];
const version = () => JSON.parse(read('package.json')).version;

/**
 * What the build derives from the plugin's own declarations, computed by running
 * src/contract in Node: the areas' table (src/contract/area-table.ts reads the registry)
 * and the whole manifest (src/contract/manifest.ts). One source, as Navidrome generates
 * its host glue: the manifest's settings and the plugin's parsing cannot disagree.
 */
export async function contractInNode(pluginVersion = version()) {
  const r = await esbuild.build({
    stdin: { contents: "export { areaTable } from './src/contract/areas.ts';\nexport { pluginManifest } from './src/contract/manifest.ts';", resolveDir: root, loader: 'ts' },
    bundle: true, write: false, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning',
    define: { __PLUGIN_VERSION__: JSON.stringify(pluginVersion) },
  });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].text).toString('base64')}`);
  const table = mod.areaTable();
  return { table, manifest: mod.pluginManifest(pluginVersion, table) };
}

/** In plugin.wasm the areas' table is data: the engine is not loaded to know it. */
const areaTableAsData = (table) => ({
  name: 'area-table-as-data',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]contract[\\/]area-table\.ts$/ }, () => ({
      contents: `const T = ${JSON.stringify(table)};\nexport const AREA_TABLE = () => T;\n`, loader: 'js',
    }));
  },
});

async function lazyModule(group) {
  const shared = new Map();
  const inner = await esbuild.build({
    entryPoints: [join(root, group.entry)],
    bundle: true, write: false, format: 'cjs', target: 'es2020', platform: 'neutral', mainFields: ['module', 'main'], minify: true, legalComments: 'none',
    define: { __PLUGIN_VERSION__: JSON.stringify(version()) },
    plugins: [lazyFflate, {
      name: 'share-main-modules',
      setup(ib) {
        ib.onResolve({ filter: /^\./ }, async (args) => {
          if (args.pluginData?.inner) return undefined;
          const r = await ib.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: { inner: true } });
          if (r.errors.length || group.own.test(r.path) || !r.path.startsWith(join(root, 'src'))) return undefined;
          const id = relative(root, r.path).split(sep).join('/');
          shared.set(id, r.path);
          return { path: id, external: true };
        });
      },
    }],
  });
  const ids = [...shared.keys()].sort();
  return [
    ...ids.map((id, i) => `import * as m${i} from ${JSON.stringify(shared.get(id))};`),
    `const shared = { ${ids.map((id, i) => `${JSON.stringify(id)}: m${i}`).join(', ')} };`,
    // "use strip": no line tables or function source in the bytecode (as the main bundle).
    `const BYTECODE = Bytecode.compile(${JSON.stringify(`(function (module, exports, require) {"use strip";\n${inner.outputFiles[0].text}\n})`)});`,
    'let mod;',
    `export function ${group.fn}() {`,
    '  if (!mod) {',
    '    const module = { exports: {} };',
    '    const load = Bytecode.run(BYTECODE);',
    `    load(module, module.exports, (id) => { const m = shared[id]; if (!m) throw new Error(${JSON.stringify(group.entry)} + ": no shared module " + id); return m; });`,
    '    mod = module.exports;',
    '  }',
    '  return mod;',
    '}',
  ].join('\n');
}

const lazyGroups = {
  name: 'lazy-groups',
  setup(b) {
    for (const group of LAZY_GROUPS) {
      const filter = new RegExp(group.loader.split('/').map((p) => p.replace(/\./g, '\\.')).join('[\\\\/]') + '$');
      b.onLoad({ filter }, async () => ({ contents: await lazyModule(group), loader: 'js', resolveDir: join(root, dirname(group.loader)) }));
    }
  },
};

/**
 * dist/catalog.json (contract section 5.4): one entry for this plugin. `manifest` is
 * relative, resolved against the catalog's own URL, so dist/ can be served from anywhere;
 * `sha256` is the hash of the manifest file's bytes as written.
 */
export function catalogFor(manifest, manifestText) {
  const entry = {
    id: manifest.id, name: manifest.name, description: manifest.description, version: manifest.version, api: manifest.api,
    ...(manifest.apiRevision ? { apiRevision: manifest.apiRevision } : {}),
    homepage: manifest.homepage, manifest: 'plugin.manifest.json', sha256: createHash('sha256').update(manifestText).digest('hex'),
  };
  return JSON.stringify({ plugins: [entry] }, null, 2) + '\n';
}

export async function build({ quiet = false } = {}) {
  const started = performance.now();
  const pkg = JSON.parse(read('package.json'));
  const { table, manifest } = await contractInNode(pkg.version);
  // The committed plugin.manifest.json is this generated one (a test checks it is current).
  const generated = JSON.stringify(manifest, null, 2) + '\n';
  if (read('plugin.manifest.json') !== generated) {
    writeFileSync(join(root, 'plugin.manifest.json'), generated);
    if (!quiet) console.log('plugin.manifest.json regenerated from src/contract');
  }

  const bundled = await esbuild.build({
    entryPoints: [join(root, 'src/index.ts')],
    bundle: true,
    write: false,
    format: 'cjs',
    target: 'es2020',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    minify: true,
    legalComments: 'none',
    define: { __PLUGIN_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'warning',
    plugins: [lazyFflate, areaTableAsData(table), lazyGroups],
  });
  const bundle = bundled.outputFiles[0].text;

  const exports = manifest.hooks.map((h) => {
    if (!HOOK_EXPORTS[h]) throw new Error(`plugin.manifest.json: unknown hook "${h}"`);
    return HOOK_EXPORTS[h];
  });
  const hostFunctions = grantedHostFunctions(manifest);
  const wasm = compilePlugin(bundle, { exports, hostFunctions });

  const sha256 = createHash('sha256').update(wasm).digest('hex');
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, manifest.wasm.path), wasm);
  const manifestText = JSON.stringify({ ...manifest, wasm: { ...manifest.wasm, sha256 } }, null, 2) + '\n';
  writeFileSync(join(dist, 'plugin.manifest.json'), manifestText);
  writeFileSync(join(dist, 'catalog.json'), catalogFor(manifest, manifestText));
  const result = { wasmBytes: wasm.length, bundleBytes: bundle.length, sha256, exports, hostFunctions, ms: performance.now() - started };
  if (!quiet) {
    console.log(`dist/plugin.wasm: ${wasm.length} B (bundle ${bundle.length} B), sha256 ${sha256}, ${result.ms.toFixed(0)} ms`);
  }
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  build().catch((e) => {
    console.error(`build failed: ${e.message}`);
    process.exit(1);
  });
}
