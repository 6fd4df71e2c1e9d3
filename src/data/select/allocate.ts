/**
 * Split `n` slots over groups in proportion to their sizes, by the largest-remainder (Hamilton) method, never
 * giving a group more than it has. With `atLeastOne`, every non-empty group first gets one slot while n allows
 * (so a small source is represented), and the rest is shared in proportion. Ties go to the earlier group.
 */
export function allocate(sizes: number[], n: number, atLeastOne: boolean): number[] {
  const out = sizes.map(() => 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  n = Math.min(n, total);
  if (n <= 0) return out;
  let left = n;
  if (atLeastOne) {
    const nonEmpty = sizes.map((s, i) => [s, i] as const).filter(([s]) => s > 0);
    if (nonEmpty.length <= n) {
      for (const [, i] of nonEmpty) out[i] = 1;
      left -= nonEmpty.length;
    } else {
      // Fewer slots than sources: the largest sources get one each.
      nonEmpty.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      for (const [, i] of nonEmpty.slice(0, n)) out[i] = 1;
      return out;
    }
  }
  // Hamilton on the remaining capacity, repeated while some group is capped by its size.
  while (left > 0) {
    const room = sizes.map((s, i) => s - out[i]);
    const cap = room.reduce((a, b) => a + b, 0);
    if (cap === 0) break;
    const share = room.map((r) => (r * left) / cap);
    const base = share.map((x, i) => Math.min(room[i], Math.floor(x)));
    let given = base.reduce((a, b) => a + b, 0);
    const order = share
      .map((x, i) => [x - Math.floor(x), i] as const)
      .filter(([, i]) => room[i] > base[i])
      .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, i] of order) {
      if (given >= left) break;
      base[i]++;
      given++;
    }
    for (let i = 0; i < out.length; i++) out[i] += base[i];
    left -= given;
    if (given === 0) break;
  }
  return out;
}
