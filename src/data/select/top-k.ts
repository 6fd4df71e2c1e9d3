/**
 * The k best items seen so far under a comparator, in O(log k) per offer (a binary min-heap whose root is the
 * worst kept item): bounded memory however many items stream past.
 */
export class TopK<T> {
  private readonly heap: T[] = [];

  /** `cmp(a, b) > 0` when a is better than b. */
  constructor(
    private readonly k: number,
    private readonly cmp: (a: T, b: T) => number,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  offer(x: T): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(x);
      this.up(h.length - 1);
    } else if (this.k > 0 && this.cmp(x, h[0]) > 0) {
      h[0] = x;
      this.down(0);
    }
  }

  /** Best first. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => this.cmp(b, a));
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.cmp(h[p], h[i]) <= 0) break; // parent is worse or equal: heap order holds
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < h.length && this.cmp(h[l], h[worst]) < 0) worst = l;
      if (r < h.length && this.cmp(h[r], h[worst]) < 0) worst = r;
      if (worst === i) return;
      [h[worst], h[i]] = [h[i], h[worst]];
      i = worst;
    }
  }
}
