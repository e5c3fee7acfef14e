// Typed views of the contract's tables (host.json): the one source the plugin, build.mjs,
// the stub host and the benches read, so a host function, hook or reserved action is
// named in exactly one place.
import contract from './host.json';

/** A host function of the contract (section 3), as the plugin calls it. */
export type HostFunctionName = keyof typeof contract.functions;
/** A hook a manifest may list (section 4, 6). */
export type HookName = keyof typeof contract.hooks;

/** A library_query kind (sections 3, 5.2, 6.2, 6.3). */
export type LibraryKindName = keyof typeof contract.libraryKinds;
/** A library_apply op (sections 3, 5.2, 6.2, 6.3). */
export type ChangeOpName = keyof typeof contract.changeOps;

/** library_apply op -> the library kind it changes. */
export const KIND_OF_OP = Object.fromEntries(Object.entries(contract.changeOps).map(([op, d]) => [op, d.kind])) as Record<ChangeOpName, LibraryKindName>;

/** Every host function, in the contract's order. */
export const HOST_FUNCTIONS = Object.keys(contract.functions) as HostFunctionName[];

/** Hook name -> the export it needs. */
export const HOOK_EXPORTS = Object.fromEntries(Object.entries(contract.hooks).map(([h, d]) => [h, d.export])) as Record<HookName, string>;

/** Action ids the host itself uses; the manifest may not declare them. */
export const RESERVED_ACTIONS: readonly string[] = contract.reservedActions;

/** The contract revision the plugin is written for. */
export const CONTRACT_REVISION: number = contract.revision;
