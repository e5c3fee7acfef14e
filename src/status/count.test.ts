import { describe, expect, it } from 'vitest';
import { thousands } from './count.js';

describe('counts in words', () => {
  it('groups thousands without Intl (QuickJS has none)', () => {
    expect([0, 7, 999, 1000, 12_345, 1_234_567, -1234, 1000.5].map(thousands)).toEqual(['0', '7', '999', '1,000', '12,345', '1,234,567', '-1,234', '1,000.5']);
  });
});
