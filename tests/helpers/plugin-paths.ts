import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** PLUGIN_DIST runs the suites against another build (e.g. an earlier release, to see a test fail first). */
export const DIST = process.env.PLUGIN_DIST ?? join(ROOT, 'dist');
export const PLUGIN_WASM = join(DIST, 'plugin.wasm');
export const PLUGIN_MANIFEST = join(DIST, 'plugin.manifest.json');

/** The built plugin: tests run after `npm run build` (the `test` script builds first). */
export function builtPlugin() {
  return { wasm: readFileSync(PLUGIN_WASM), manifest: JSON.parse(readFileSync(PLUGIN_MANIFEST, 'utf8')) };
}
