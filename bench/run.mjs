#!/usr/bin/env node
// npm run bench: builds, then prints every benchmark table. Numbers, not assertions.
import { benchModule } from './module.mjs';
import { benchPlayback } from './playback.mjs';

const only = process.argv[2];
if (!only || only === 'module') await benchModule();
if (!only || only === 'playback') await benchPlayback();
