// The merge inside the real engine (bench/merge-entry.ts compiled with our toolchain):
// CPU time, memory and state size at 1k, 10k and 100k plays per side (50% overlap).
import * as esbuild from 'esbuild';
import createPlugin from '@extism/extism';
import { compilePlugin } from '../toolchain/compile.mjs';
import { kb, table } from './lib.mjs';

export async function benchMerge(sizes = [1_000, 10_000, 100_000]) {
  const out = await esbuild.build({ entryPoints: [new URL('./merge-entry.ts', import.meta.url).pathname], bundle: true, write: false, format: 'cjs', target: 'es2020', platform: 'neutral', mainFields: ['module', 'main'], minify: true });
  const module = new WebAssembly.Module(compilePlugin(out.outputFiles[0].text, { exports: ['run'], hostFunctions: [] }));
  const rows = [];
  for (const n of sizes) {
    const plugin = await createPlugin({ wasm: [{ module }] }, { useWasi: true });
    const r = JSON.parse((await plugin.call('run', String(n))).text());
    const mem = (await plugin.getInstance?.())?.exports?.memory?.buffer?.byteLength;
    await plugin.close();
    const merge = r.ms.learn + r.ms.plan + r.ms.commit;
    rows.push({
      'plays per side': n.toLocaleString('en-US'), 'to export / import': `${r.export} / ${r.import}`,
      'merge CPU (learn+plan+commit)': `${merge} ms`, 'save / load state': `${r.ms.save} / ${r.ms.load} ms`,
      'history state': kb(r.stateBytes), 'ratings (2k) + watchlist (500) state': kb(r.ratingsStateBytes + r.watchlistStateBytes),
      'three-way plans': `${r.ms.threeway} ms`, 'wasm memory peak': mem ? `${(mem / 1048576).toFixed(0)} MiB` : 'n/a',
    });
  }
  table('merge in the plugin engine (QuickJS in Extism; targets at 100k: merge < 2 s, memory < 64 MiB, state < 2 MiB)',
    ['plays per side', 'to export / import', 'merge CPU (learn+plan+commit)', 'save / load state', 'history state', 'ratings (2k) + watchlist (500) state', 'three-way plans', 'wasm memory peak'], rows);
  return rows;
}
