// Small helpers shared by the benchmarks: medians and a plain-text table printer.
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function timeMs(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export function table(title, columns, rows) {
  const cells = [columns, ...rows.map((r) => columns.map((c) => String(r[c] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(`\n${title}\n`);
  console.log(line(cells[0]));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of cells.slice(1)) console.log(line(r));
}

export const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
export const ms = (n) => (n < 1 ? `${(n * 1000).toFixed(0)} us` : `${n.toFixed(2)} ms`);
