/**
 * Numbers as the benchmark report writes them.
 *
 * @module
 */

/** `0.84 s`, `14.6 s`, `4 min 37 s`, `25.5 h`. */
export function seconds(s: number): string {
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** `812 B`, `14.2 KiB`, `176.3 MiB`, `1.42 GiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}

/** A peer's time over gik's: `37×`, `2.5×`, `0.8×`. */
export function ratio(peer: number, gik: number): string {
  const r = peer / gik;
  return `${r >= 10 ? Math.round(r).toLocaleString("en-US") : r.toFixed(1)}×`;
}

/** `12,345` */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}
