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
