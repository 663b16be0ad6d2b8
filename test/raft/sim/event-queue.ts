// A deterministic agenda: events run in (time, insertion order). A binary heap
// keeps scheduling O(log n) for the tens of thousands of events of one seed.

export interface SimEvent {
  timeMs: number;
  sequence: number;
  run: () => void;
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private nextSequence = 0;
  nowMs = 0;

  schedule(delayMs: number, run: () => void): void {
    const event: SimEvent = { timeMs: this.nowMs + Math.max(0, delayMs), sequence: this.nextSequence++, run };
    this.heap.push(event);
    this.siftUp(this.heap.length - 1);
  }

  /** Runs the next event; false when none is left or the next is after `untilMs`. */
  runNext(untilMs: number): boolean {
    const top = this.heap[0];
    if (top === undefined || top.timeMs > untilMs) return false;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    this.nowMs = top.timeMs;
    top.run();
    return true;
  }

  size(): number {
    return this.heap.length;
  }

  private before(a: SimEvent, b: SimEvent): boolean {
    return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.sequence < b.sequence);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(heap[index]!, heap[parent]!)) return;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}
