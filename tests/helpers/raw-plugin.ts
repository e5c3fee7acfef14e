// Loads a plugin module straight into @extism/extism with the given host functions:
// the foundation tests use it to check the module itself, independent of the stub host.
import createPlugin, { type CallContext } from '@extism/extism';

export type RawHostFn = (req: any) => unknown;

export interface RawOptions {
  host?: Record<string, RawHostFn>;
  worker?: boolean;
  logs?: string[];
}

export async function loadRaw(wasm: Uint8Array | WebAssembly.Module, opts: RawOptions = {}) {
  const functions: Record<string, (cp: CallContext, off: bigint) => bigint> = {};
  for (const [name, fn] of Object.entries(opts.host ?? {})) {
    functions[name] = (cp, off) => {
      let out: unknown;
      try {
        out = fn(JSON.parse(cp.read(off)!.text()));
      } catch (e) {
        out = { error: { code: 'invalid', message: (e as Error).message } };
      }
      return cp.store(JSON.stringify(out));
    };
  }
  const logs = opts.logs;
  const logger = logs
    ? ({ info: (m: string) => logs.push(`info ${m}`), debug: (m: string) => logs.push(`debug ${m}`), warn: (m: string) => logs.push(`warn ${m}`), error: (m: string) => logs.push(`error ${m}`), log: (m: string) => logs.push(`log ${m}`) } as unknown as Console)
    : undefined;
  const wasmEntry = wasm instanceof WebAssembly.Module ? { module: wasm } : { data: wasm };
  return createPlugin({ wasm: [wasmEntry] }, {
    useWasi: true,
    runInWorker: opts.worker ?? false,
    functions: { 'extism:host/user': functions },
    ...(logger ? { logger } : {}),
  });
}

/** Calls an export and returns `{ ok, output | error }` instead of throwing. */
export async function callRaw(plugin: Awaited<ReturnType<typeof loadRaw>>, name: string, input: string) {
  try {
    const out = await plugin.call(name, input);
    return { ok: true as const, output: out ? out.text() : '' };
  } catch (e) {
    return { ok: false as const, error: (e as Error).message };
  }
}
