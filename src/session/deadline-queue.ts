/**
 * A binary min-heap of deadlines with O(log n) cancellation. The broker runs one timer for the earliest
 * deadline of all keep-alives, will delays and session expiries instead of a timer per client.
 * @module
 */

export interface Deadline<T> {
  readonly at: number;
  readonly item: T;
  /** Position in the heap; -1 once popped or cancelled. */
  index: number;
}

export class DeadlineQueue<T> {
  readonly #heap: Deadline<T>[] = [];

  get size(): number {
    return this.#heap.length;
  }

  /** Time of the earliest deadline, or undefined when empty. */
  get nextAt(): number | undefined {
    return this.#heap[0]?.at;
  }

  push(at: number, item: T): Deadline<T> {
    const entry: Deadline<T> = { at, item, index: this.#heap.length };
    this.#heap.push(entry);
    this.#up(entry.index);
    return entry;
  }

  cancel(entry: Deadline<T>): void {
    const i = entry.index;
    if (i < 0 || this.#heap[i] !== entry) return;
    entry.index = -1;
    const last = this.#heap.pop()!;
    if (i < this.#heap.length) {
      this.#heap[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
  }

  /** Removes and returns the earliest entry if it is due at `now`. */
  popDue(now: number): Deadline<T> | undefined {
    const top = this.#heap[0];
    if (top === undefined || top.at > now) return undefined;
    this.cancel(top);
    return top;
  }

  #up(i: number): void {
    const heap = this.#heap;
    const entry = heap[i]!;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.at <= entry.at) break;
      heap[i] = parent;
      parent.index = i;
      i = parentIndex;
    }
    heap[i] = entry;
    entry.index = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const entry = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]!.at < heap[left]!.at ? right : left;
      const childEntry = heap[child]!;
      if (childEntry.at >= entry.at) break;
      heap[i] = childEntry;
      childEntry.index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}
