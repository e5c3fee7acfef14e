#!/usr/bin/env node
// npm run bench: builds, then prints every benchmark table. Numbers, not assertions.
// `npm run bench -- module|playback|merge|sync` runs one; BENCH_SIZES=1000,10000,100000
// picks the sync/merge sizes.
import { benchModule } from './module.mjs';
import { benchPlayback } from './playback.mjs';
import { benchMerge } from './merge.mjs';
import { benchSync } from './sync.mjs';

const only = process.argv[2];
const sizes = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
if (!only || only === 'module') await benchModule();
if (!only || only === 'playback') await benchPlayback();
if (!only || only === 'merge') await benchMerge(sizes);
if (!only || only === 'sync') await benchSync(sizes.filter((n) => n <= 20_000));
