// Sync's part of `status` (filled in by the sync engine).
import type { HostApi } from '../host/api.js';

export function syncStatusLines(_host: HostApi, _userId: string, _data: Record<string, unknown>): string[] {
  return [];
}
