// Counts in words for people, without Intl: QuickJS has none, so toLocaleString would not group.

/** A count with thousands separators ("1,000"). */
export function thousands(x: number): string {
  const [int, frac] = String(Math.abs(x)).split('.');
  return `${x < 0 ? '-' : ''}${int!.replace(/\B(?=(\d{3})+$)/g, ',')}${frac ? `.${frac}` : ''}`;
}
