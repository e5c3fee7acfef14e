// Error types of the stub host. Host functions never throw into a plugin: they answer
// the contract's envelope `{ "error": { "code", "message" } }`, built from HostError.

/** A failed host-function call: becomes `{ error: { code, message } }` for the plugin. */
export class HostError extends Error {
  /**
   * @param {string} code contract error code (`invalid`, `conflict`, `quota`, `not_found`,
   *   `not_allowed`, `timeout`, `network`, `too_large`, or `internal` for a host bug)
   * @param {string} message human-readable, names the offending field where there is one
   */
  constructor(code, message) {
    super(message);
    this.name = 'HostError';
    this.code = code;
  }

  /** @returns {{ error: { code: string, message: string } }} */
  toEnvelope() {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The manifest breaks section 2 of the contract. `problems` lists every problem found. */
export class ManifestError extends Error {
  /** @param {string[]} problems */
  constructor(problems) {
    super(`invalid plugin manifest:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ManifestError';
    this.problems = problems;
  }
}

/** The package (manifest + wasm) cannot be loaded: hash, imports, exports, memory. */
export class PackageError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'PackageError';
  }
}

/**
 * A hook call that did not produce a valid result.
 * `code`: `plugin_error` (the export failed; `message` is the plugin's own error message),
 * `timeout` (killed after the call limit), `crashed` (killed by `crashDuring`),
 * `bad_output` (output is not JSON or not the hook's output shape), `closed` (host closed).
 */
export class PluginCallError extends Error {
  /**
   * @param {'plugin_error'|'timeout'|'crashed'|'bad_output'|'closed'} code
   * @param {string} message
   * @param {{ export?: string, output?: string, hostCalls?: number }} [details]
   */
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'PluginCallError';
    this.code = code;
    this.export = details.export;
    this.output = details.output;
    this.hostCalls = details.hostCalls;
  }
}

const PLUGIN_ERROR_PREFIX = 'Plugin-originated error: ';

/**
 * What a call that did not end well was, for both call modes (worker and in-process):
 * killed at its time limit, cut by a simulated crash, cut by close(), or the plugin's
 * own error (the SDK's prefix removed).
 * @param {string} exportName @param {string|undefined} reason why the instance died, if it was killed
 * @param {unknown} e @param {{ export: string, hostCalls: number }} details @param {string} limit e.g. "30000 ms"
 */
export function callFailure(exportName, reason, e, details, limit) {
  if (reason === 'timeout') return new PluginCallError('timeout', `${exportName} ran longer than ${limit}; the instance was killed`, details);
  if (reason === 'crashed') return new PluginCallError('crashed', `the host crashed during ${exportName} after ${details.hostCalls} host-function calls`, details);
  if (reason === 'closed') return new PluginCallError('closed', `the host was closed during ${exportName}`, details);
  const msg = String(/** @type {any} */ (e)?.message ?? e);
  return new PluginCallError('plugin_error', msg.startsWith(PLUGIN_ERROR_PREFIX) ? msg.slice(PLUGIN_ERROR_PREFIX.length) : msg, details);
}

/**
 * A host function's JSON request from the plugin's memory (both call modes). Throws
 * HostError 'invalid' for a bad offset, bad JSON or a non-object.
 * @param {{ read(offset: bigint): { text(): string } | null }} cp @param {bigint} offset
 * @returns {Record<string, unknown>}
 */
export function readRequest(cp, offset) {
  const block = cp.read(offset);
  if (block === null) throw new HostError('invalid', 'the request offset does not point to an Extism memory block');
  const text = block.text();
  let request;
  try {
    request = JSON.parse(text);
  } catch {
    throw new HostError('invalid', `the request is not valid JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new HostError('invalid', 'the request must be a JSON object');
  return request;
}
