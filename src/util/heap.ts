// Binary-heap sifts over the first `size` entries of an array, for heaps that keep state of their own beside the
// array (the explore sketches). above(a, b): a belongs nearer the root than b. placed(item, index) hears of every
// move, for a heap that tracks where each item sits.
type Slots<T> = { [index: number]: T };
type Placed<T> = ((item: T, index: number) => void) | undefined;

export function siftUp<T>(h: Slots<T>, i: number, above: (a: T, b: T) => boolean, placed?: Placed<T>): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!above(h[i], h[parent])) return;
    swap(h, i, parent, placed);
    i = parent;
  }
}

export function siftDown<T>(h: Slots<T>, i: number, size: number, above: (a: T, b: T) => boolean, placed?: Placed<T>): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let top = i;
    if (l < size && above(h[l], h[top])) top = l;
    if (r < size && above(h[r], h[top])) top = r;
    if (top === i) return;
    swap(h, i, top, placed);
    i = top;
  }
}

function swap<T>(h: Slots<T>, a: number, b: number, placed: Placed<T>): void {
  const item = h[a];
  h[a] = h[b];
  h[b] = item;
  placed?.(h[a], a);
  placed?.(h[b], b);
}
