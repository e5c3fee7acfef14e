// Where the local catalog lives: an https origin the host maps to this app's own files.
/** The catalog's https origin; the host fetches it through its origin map, from this app. */
export const CATALOG_ORIGIN = 'https://plugins.revenge.local';
export const CATALOG_URL = `${CATALOG_ORIGIN}/catalog.json`;
