// The user's exclusions, applied to every sync area in both directions exactly as to
// scrobbling: an excluded item is never sent to Trakt and never brought into the library.
// An excluded item is left alone, not treated as removed: its sync state stays as it was.
import type { MediaItem } from '../schemas/media.js';
import { isExcluded } from '../settings/settings.js';
import type { JobFilters } from './job.js';

export const excluded = (f: JobFilters, item: MediaItem): boolean => isExcluded(f, item);
