// Injected by build.mjs (esbuild `define`) and vitest.config.ts from package.json.
declare const __PLUGIN_VERSION__: string;
export const PLUGIN_VERSION: string = typeof __PLUGIN_VERSION__ === 'string' ? __PLUGIN_VERSION__ : '0.0.0-dev';
export const USER_AGENT = `revenge-trakt/${PLUGIN_VERSION}`;
