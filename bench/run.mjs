#!/usr/bin/env node
// npm run bench: builds, then prints every benchmark table. Numbers, not assertions.
import { benchModule } from './module.mjs';

process.removeAllListeners('warning');
await benchModule();
