// The areas' data, from their declarations. In Node it is read from the registry on first
// use (the registry imports modules that import this one); in plugin.wasm build.mjs
// replaces this file with the same table as JSON, so that scrobbles and status, which
// need the table, never load the sync engine.
import type { AreaInfo } from './areas.js';
import { areaInfo } from './areas.js';
import { AREAS, type AreaName } from '../sync/registry.js';

let table: readonly AreaInfo<AreaName>[] | null = null;
/** The table (see above). */
export const AREA_TABLE = (): readonly AreaInfo<AreaName>[] => (table ??= AREAS.map((a) => areaInfo<AreaName>(a)));
