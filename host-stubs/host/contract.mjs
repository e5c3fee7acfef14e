// The contract's tables (host functions and their permissions, hooks and their exports,
// reserved actions), read from the one source the plugin is built from:
// src/contract/host.json. build.mjs links a plugin's imports with grantedFunctions too, so
// the build and the host agree by construction.
import { readFileSync } from 'node:fs';

const contract = JSON.parse(readFileSync(new URL('../../src/contract/host.json', import.meta.url), 'utf8'));

/** hook name -> the export it needs (contract sections 4 and 6). */
export const HOOK_EXPORTS = Object.freeze(Object.fromEntries(Object.entries(contract.hooks).map(([h, d]) => [h, d.export])));

/** hook name -> the contract revision that introduced it. */
export const HOOK_REVISION = Object.freeze(Object.fromEntries(Object.entries(contract.hooks).map(([h, d]) => [h, d.revision])));

/** permission -> the host functions it grants. */
export const PERMISSION_FUNCTIONS = Object.freeze(Object.entries(contract.functions).reduce((acc, [fn, d]) => {
  if (d.permission) (acc[d.permission] ??= []).push(fn);
  return acc;
}, /** @type {Record<string, string[]>} */ ({})));

/** Linked for every plugin. */
export const ALWAYS_LINKED = Object.freeze(Object.entries(contract.functions).filter(([, d]) => !d.permission).map(([fn]) => fn));

/** Every host function -> the permission that grants it ('' = always). */
export const HOST_FUNCTION_PERMISSION = new Map(Object.entries(contract.functions).map(([fn, d]) => /** @type {[string, string]} */ ([fn, d.permission])));

/** The `action` ids the host itself uses; a manifest may not declare them. */
export const RESERVED_ACTIONS = Object.freeze([...contract.reservedActions]);

/** The library kinds library_query reads (sections 3, 5.2, 6.2, 6.3). */
export const LIBRARY_KINDS = Object.freeze(Object.keys(contract.libraryKinds));

/** The ops library_apply takes. */
export const CHANGE_OPS = Object.freeze(Object.keys(contract.changeOps));

/** The contract revision these tables describe. */
export const CONTRACT_REVISION = contract.revision;

/**
 * The host functions a manifest's permissions grant (library: read -> library_query,
 * write -> library_apply), always-linked ones included.
 * @param {{ permissions: Record<string, any> }} manifest @returns {Set<string>}
 */
export function grantedFunctions(manifest) {
  const out = new Set(ALWAYS_LINKED);
  for (const [fn, d] of Object.entries(contract.functions)) {
    const p = manifest.permissions?.[d.permission];
    if (!p) continue;
    if (d.access && p[d.access] !== true) continue;
    out.add(fn);
  }
  return out;
}
