// Public entry of the stub Revenge host (contract API 1, docs/host-contract.md).
export { RevengeHost, KeyedQueue, hookOutputProblem, DEFAULT_CALL_TIMEOUT_MS } from './host/host.mjs';
export { HostError, ManifestError, PackageError, PluginCallError } from './host/errors.mjs';
export {
  validateManifest, grantedFunctions, writeOnlyPaths, createAjv, compileSchema,
  HOOK_EXPORTS, PERMISSION_FUNCTIONS, ALWAYS_LINKED, HOST_FUNCTION_PERMISSION, RESERVED_ACTIONS,
} from './host/manifest.mjs';
export { clampMemory, checkModule, sha256Hex, MAX_MEMORY_PAGES, ALLOWED_IMPORT_MODULES } from './host/wasm.mjs';
export { KvStore, MAX_KEY_BYTES, MAX_VALUE_BYTES, MAX_LIST_LIMIT, DEFAULT_LIST_LIMIT } from './host/kv.mjs';
export { SecretStore, loadSecretKey, MAX_SECRET_VALUE_BYTES } from './host/secrets.mjs';
export { SettingsStore } from './host/settings.mjs';
export { Library, isValidRating, MAX_CHANGES, MAX_QUERY_LIMIT, DEFAULT_QUERY_LIMIT } from './host/library.mjs';
export { HostClock, ScheduleStore, DEFAULT_START_MS, MAX_SCHEDULES } from './host/scheduler.mjs';
export { httpSend, hostAllowed, DEFAULT_HTTP_TIMEOUT_MS, MAX_HTTP_TIMEOUT_MS, MAX_RESPONSE_BYTES } from './host/http.mjs';
export { openDatabase } from './host/db.mjs';
