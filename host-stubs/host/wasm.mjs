// WebAssembly package checks: the memory clamp (256 MiB = 4096 pages) and the
// import/export rules of contract section 1.
import { createHash } from 'node:crypto';
import { PackageError } from './errors.mjs';

export const WASM_PAGE_BYTES = 65536;
/** 256 MiB, the contract's per-instance memory cap, in 64 KiB pages. */
export const MAX_MEMORY_PAGES = 4096;

/** @param {Uint8Array} bytes @returns {string} lower-case hex sha256 */
export function sha256Hex(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** @param {Uint8Array} buf @param {number} pos @returns {[number, number]} value, next pos */
function readU32(buf, pos) {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos >= buf.length) throw new PackageError('wasm: truncated LEB128 number');
    const byte = buf[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7;
  }
  throw new PackageError('wasm: LEB128 number too long');
}

/** @param {number} value @returns {number[]} */
function encodeU32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/**
 * The module's sections, in order.
 * @param {Uint8Array} bytes
 * @returns {{ id: number, start: number, contentStart: number, end: number }[]}
 */
export function wasmSections(bytes) {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new PackageError('wasm: not a WebAssembly module (bad magic number)');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new PackageError('wasm: unsupported binary version (a component, not a core module?)');
  }
  const sections = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++];
    const [size, contentStart] = readU32(bytes, pos);
    const end = contentStart + size;
    if (end > bytes.length) throw new PackageError(`wasm: section ${id} runs past the end of the module`);
    sections.push({ id, start, contentStart, end });
    pos = end;
  }
  return sections;
}

/**
 * Rewrites the memory section so the module's memory can never grow past
 * `maxPages` (default 4096 pages = 256 MiB): `memory.grow` beyond it fails, and the
 * plugin's allocator reports out-of-memory instead of using more. The @extism/extism
 * Node SDK cannot limit memory at run time; this clamp is how the stub host enforces
 * the contract's cap. Refuses shared or 64-bit memories and a minimum above the cap.
 * Imported memories are refused by `checkModule` (imports must be functions).
 * @param {Uint8Array} bytes
 * @param {number} [maxPages]
 * @returns {{ bytes: Uint8Array, min: number|null, max: number|null, declaredMax: number|null }}
 *   the patched module; min/max as clamped (null when the module defines no memory)
 */
export function clampMemory(bytes, maxPages = MAX_MEMORY_PAGES) {
  const sections = wasmSections(bytes);
  const mem = sections.find((s) => s.id === 5);
  if (!mem) return { bytes, min: null, max: null, declaredMax: null };
  let pos = mem.contentStart;
  let count;
  [count, pos] = readU32(bytes, pos);
  if (count !== 1) throw new PackageError(`wasm: the module defines ${count} memories; exactly one is allowed`);
  const flags = bytes[pos++];
  if (flags & 0x02) throw new PackageError('wasm: shared memory is not allowed');
  if (flags & 0x04) throw new PackageError('wasm: 64-bit memory is not allowed');
  if (flags & ~0x01) throw new PackageError(`wasm: unknown memory limits flags 0x${flags.toString(16)}`);
  let min;
  [min, pos] = readU32(bytes, pos);
  let declaredMax = null;
  if (flags & 0x01) [declaredMax, pos] = readU32(bytes, pos);
  if (pos !== mem.end) throw new PackageError('wasm: malformed memory section');
  if (min > maxPages) {
    throw new PackageError(`wasm: the module's initial memory (${min} pages) is above the ${maxPages}-page (${(maxPages * WASM_PAGE_BYTES) >> 20} MiB) cap`);
  }
  const max = declaredMax === null ? maxPages : Math.min(declaredMax, maxPages);
  const content = [...encodeU32(1), 0x01, ...encodeU32(min), ...encodeU32(max)];
  const section = [5, ...encodeU32(content.length), ...content];
  const out = new Uint8Array(bytes.length - (mem.end - mem.start) + section.length);
  out.set(bytes.subarray(0, mem.start), 0);
  out.set(section, mem.start);
  out.set(bytes.subarray(mem.end), mem.start + section.length);
  return { bytes: out, min, max, declaredMax };
}

/** Extism kernel functions a plugin may import from `extism:host/env`. */
export const EXTISM_ENV_FUNCTIONS = new Set([
  'alloc', 'free', 'length', 'length_unsafe', 'load_u8', 'load_u64', 'store_u8', 'store_u64',
  'input_offset', 'input_length', 'input_load_u8', 'input_load_u64', 'output_set', 'error_set',
  'config_get', 'var_get', 'var_set', 'http_request', 'http_status_code',
  'log_info', 'log_debug', 'log_warn', 'log_error', 'log_trace', 'get_log_level',
]);

export const ALLOWED_IMPORT_MODULES = ['extism:host/env', 'extism:host/user', 'wasi_snapshot_preview1'];

/**
 * Checks the compiled module against contract section 1: every import is a function
 * from one of the three allowed modules; `extism:host/user` imports are among
 * `linked` (the host functions the manifest grants); every export named in
 * `requiredExports` is a function; the module exports its memory.
 * @param {WebAssembly.Module} module
 * @param {{ linked: Set<string>, known: Map<string, string>, requiredExports: Map<string, string> }} rules
 *   known: every contract host function -> the permission that grants it
 *   requiredExports: export name -> why it is required (e.g. `hooks lists "tick"`)
 */
export function checkModule(module, { linked, known, requiredExports }) {
  const problems = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    const what = `"${imp.module}" "${imp.name}"`;
    if (!ALLOWED_IMPORT_MODULES.includes(imp.module)) {
      problems.push(`imports ${what}: imports may come only from ${ALLOWED_IMPORT_MODULES.map((m) => `"${m}"`).join(', ')}`);
      continue;
    }
    if (imp.kind !== 'function') {
      problems.push(`imports ${what} as a ${imp.kind}: only functions may be imported`);
      continue;
    }
    if (imp.module === 'extism:host/user' && !linked.has(imp.name)) {
      const permission = known.get(imp.name);
      problems.push(permission
        ? `imports host function "${imp.name}" but the manifest does not grant it (needs permissions.${permission})`
        : `imports "${imp.name}", which is not a host function of contract API 1`);
    }
    if (imp.module === 'extism:host/env' && !EXTISM_ENV_FUNCTIONS.has(imp.name)) {
      problems.push(`imports ${what}, which is not an Extism kernel function`);
    }
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  for (const [name, why] of requiredExports) {
    if (!exports.has(name)) problems.push(`lacks the export "${name}" (${why})`);
    else if (exports.get(name) !== 'function') problems.push(`export "${name}" is a ${exports.get(name)}, not a function (${why})`);
  }
  if (exports.get('memory') !== 'memory') problems.push('does not export its memory as "memory" (Extism and WASI need it)');
  if (problems.length) throw new PackageError(`the plugin module is refused:\n  - ${problems.join('\n  - ')}`);
}
