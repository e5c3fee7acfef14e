// Pure merge logic of two-way sync (no I/O). See README.md for the rules.
export * from './direction.js';
export * from './identity.js';
export * from './item-index.js';
export * from './rating.js';
export * from './history.js';
export * from './threeway.js';
export * from './batch.js';
export * from './state.js';
