#!/usr/bin/env node
// npm run bench: builds, then prints every benchmark table. Numbers, not assertions.
// `npm run bench -- module|playback|merge|sync|areas|sim|faults|fuzz|users` runs one (sim, faults and
// fuzz only when asked: they take minutes to an hour); BENCH_SIZES=1000,10000,100000
// picks the merge (default all three) and sync sizes.
import { benchFirstCalls, benchModule } from './module.mjs';
import { benchPlayback } from './playback.mjs';
import { benchMerge } from './merge.mjs';
import { benchSync } from './sync.mjs';
import { benchSim } from './sim.mjs';
import { benchFaults } from './faults.mjs';
import { benchFuzz } from './fuzz.mjs';
import { benchUsers } from './users.mjs';
import { benchAreas } from './areas.mjs';

const only = process.argv[2];
const sizes = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
if (!only || only === 'module') await benchModule();
if (!only || only === 'module' || only === 'first') await benchFirstCalls();
if (!only || only === 'playback') await benchPlayback();
if (!only || only === 'merge') await benchMerge(sizes);
// The end-to-end sync runs 1k and 10k by default (100k takes about half an hour of
// Trakt's one-write-a-second pacing); BENCH_SIZES asks for others explicitly.
if (!only || only === 'sync') await benchSync(process.env.BENCH_SIZES ? sizes : [1_000, 10_000]);
if (only === 'sim') await benchSim();
if (only === 'faults') await benchFaults();
if (only === 'fuzz') await benchFuzz();
if (only === 'users') await benchUsers();
if (!only || only === 'areas') await benchAreas();
