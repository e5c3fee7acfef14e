// RevengeHost: a faithful Node implementation of the Revenge plugin host, contract API 1
// (docs/host-contract.md). One host runs one plugin package. Its concerns live one per
// file: base.mjs (state, host functions, settings), invocation.mjs (one call, either
// mode), dispatch.mjs (hooks, actions, ticks), lifecycle.mjs (load, upgrade, uninstall).
import { Lifecycle } from './lifecycle.mjs';

export { DEFAULT_CALL_TIMEOUT_MS, RECORD_LIMIT, KeyedQueue } from './base.mjs';
export { hookOutputProblem } from './dispatch.mjs';

export class RevengeHost extends Lifecycle {
  /**
   * Creates a host and loads a package into it.
   * @param {string | { manifest: object|string, wasm?: Uint8Array, dir?: string }} pkg
   * @param {import('./base.mjs').HostOptions} [options]
   */
  static async load(pkg, options) {
    const host = new RevengeHost(options);
    try {
      await host.load(pkg);
    } catch (e) {
      await host.close();
      throw e;
    }
    return host;
  }
}
