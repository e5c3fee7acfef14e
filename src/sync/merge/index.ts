// Pure merge logic of two-way sync (no I/O). See README.md for the rules.
export * from './direction.js';
export * from './identity.js';
export * from './item-index.js';
export * from './threeway.js';
export * from './batch.js';
export * from './state.js';
export * from './rating-scale.js';
