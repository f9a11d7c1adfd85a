/** A node that remembers where it sits, so it can be removed or re-sorted in O(log n) instead of searched for. */
export interface HeapNode {
  heapIndex: number;
}

/**
 * Binary heap whose nodes track their own index. The queue changes an entry's priority or ready time in
 * place when a key is re-added, and with 100k keys queued at start-up a linear search would dominate.
 * A node belongs to at most one heap at a time; `heapIndex` is -1 outside any heap.
 */
export class IndexedHeap<T extends HeapNode> {
  readonly #nodes: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  /** `before(a, b)`: a must come out before b. */
  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  get size(): number {
    return this.#nodes.length;
  }

  peek(): T | undefined {
    return this.#nodes[0];
  }

  push(node: T): void {
    node.heapIndex = this.#nodes.length;
    this.#nodes.push(node);
    this.#up(node.heapIndex);
  }

  pop(): T | undefined {
    const top = this.#nodes[0];
    if (top) this.remove(top);
    return top;
  }

  remove(node: T): void {
    const i = node.heapIndex;
    if (this.#nodes[i] !== node) return;
    const last = this.#nodes.pop();
    node.heapIndex = -1;
    if (last === undefined || last === node) return;
    this.#nodes[i] = last;
    last.heapIndex = i;
    this.update(last);
  }

  /** Restores order after the caller changed what `before` compares on `node`. */
  update(node: T): void {
    if (this.#nodes[node.heapIndex] !== node) return;
    this.#down(this.#up(node.heapIndex));
  }

  clear(): void {
    for (const node of this.#nodes) node.heapIndex = -1;
    this.#nodes.length = 0;
  }

  #up(i: number): number {
    const nodes = this.#nodes;
    const node = nodes[i];
    if (!node) return i;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = nodes[parentIndex];
      if (!parent || !this.#before(node, parent)) break;
      nodes[i] = parent;
      parent.heapIndex = i;
      i = parentIndex;
    }
    nodes[i] = node;
    node.heapIndex = i;
    return i;
  }

  #down(i: number): void {
    const nodes = this.#nodes;
    const node = nodes[i];
    if (!node) return;
    for (;;) {
      let child = 2 * i + 1;
      const left = nodes[child];
      if (!left) break;
      const right = nodes[child + 1];
      let first = left;
      if (right && this.#before(right, left)) {
        child += 1;
        first = right;
      }
      if (!this.#before(first, node)) break;
      nodes[i] = first;
      first.heapIndex = i;
      i = child;
    }
    nodes[i] = node;
    node.heapIndex = i;
  }
}
