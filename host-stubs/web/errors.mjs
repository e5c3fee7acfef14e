// Errors the browser is told about, and how package problems read for the admin.
import { ManifestError, PackageError } from '../host/errors.mjs';
import { CatalogError } from '../host/catalog.mjs';

/** An error the browser is told about: status + message. */
export class UserError extends Error {
  /** @param {number} status @param {string} message @param {object} [extra] */
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

export const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Package, manifest and catalog problems, as the admin reads them. */
export function packageProblem(e) {
  if (e instanceof ManifestError) return new UserError(422, `The host refuses this manifest:\n${e.problems.map((p) => `- ${p}`).join('\n')}`, { problems: e.problems });
  if (e instanceof PackageError || e instanceof CatalogError) return new UserError(422, e.message);
  return e;
}

