// plugin.wasm itself: size, instantiation, first call on a fresh instance (module compiled
// once, as the host does), and steady-state calls. Targets: < 1 MiB raw, first call < 5 ms.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import createPlugin from '@extism/extism';
import { kb, median, ms, table, timeMs } from './lib.mjs';

const empty = () => (cp) => cp.store('{"error":{"code":"invalid","message":"bench"}}');
const names = ['http_send', 'kv_get', 'kv_set', 'kv_delete', 'kv_list', 'secret_get', 'secret_set', 'secret_delete',
  'schedule_set', 'schedule_cancel', 'settings_get', 'clock_now', 'library_query', 'library_apply'];
const functions = { 'extism:host/user': Object.fromEntries(names.map((n) => [n, empty()])) };
const STATUS = JSON.stringify({ action: 'status' });

export async function benchModule({ runs = 25 } = {}) {
  const wasm = readFileSync(new URL('../dist/plugin.wasm', import.meta.url));
  const module = await WebAssembly.compile(wasm);
  const rows = [];
  for (const worker of [false, true]) {
    const create = [], first = [];
    for (let i = 0; i < runs; i++) {
      let plugin;
      create.push(await timeMs(async () => { plugin = await createPlugin({ wasm: [{ module }] }, { useWasi: true, runInWorker: worker, functions }); }));
      first.push(await timeMs(() => plugin.call('on_action', STATUS)));
      if (i === runs - 1) {
        const steady = [];
        for (let j = 0; j < 200; j++) steady.push(await timeMs(() => plugin.call('on_action', STATUS)));
        rows.push({ mode: worker ? 'worker (as the host runs it)' : 'main thread', createPlugin: ms(median(create)), 'first call': ms(median(first)), 'steady call': ms(median(steady)) });
      }
      await plugin.close();
    }
  }
  table('plugin.wasm', ['size raw', 'size gzip', 'target'], [{ 'size raw': kb(wasm.length), 'size gzip': kb(gzipSync(wasm, { level: 9 }).length), target: '< 1024 KiB raw' }]);
  table(`calls (median of ${runs} fresh instances; steady = median of 200 calls on one)`, ['mode', 'createPlugin', 'first call', 'steady call'], rows);
  return { size: wasm.length, rows };
}
