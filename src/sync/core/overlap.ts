// Incremental reads of Trakt look back this far before the last sync began (late scrobbles,
// Trakt's clock against ours): re-reading a play is harmless, missing one is not.
export const OVERLAP_MS = 86_400_000;
