// The library lives in host-stubs/host/library/ (one concern per file); this path stays
// for the modules that import it.
export * from './library/index.mjs';
