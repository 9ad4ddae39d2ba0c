// The merge loop shared by both BPE encoders: repeatedly merge the adjacent pair with the best
// (lowest) rank, the leftmost one on ties, until no adjacent pair can merge. This is llama2.c's
// `encode` loop (rank = −score, it scans left to right and keeps the first best) and Hugging Face's
// BPE model (rank = merge index, ties broken by position), done with a heap over a linked list so a
// long text costs O(n log n) instead of llama2.c's O(n²) rescans. A merged node keeps the position
// of its left half, so positions stay in list order and "leftmost" is the smallest position.

/** What merging (left, right) gives, or undefined when the pair does not merge. */
export type PairRule = (left: number, right: number) => { rank: number; id: number } | undefined;

export function mergePairs(symbols: readonly number[], rule: PairRule): number[] {
  const n = symbols.length;
  if (n < 2) return symbols.slice();
  const id = Int32Array.from(symbols);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const version = new Int32Array(n); // bumped whenever a node changes or dies
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }

  // Heap entries: [rank, leftPos, rightPos, leftVersion, rightVersion, mergedId].
  const heap: number[][] = [];
  const less = (a: number[], b: number[]) => (a[0]! < b[0]! || (a[0] === b[0] && a[1]! < b[1]!));
  const push = (e: number[]) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): number[] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  const consider = (l: number) => {
    const r = next[l]!;
    if (l < 0 || r < 0) return;
    const m = rule(id[l]!, id[r]!);
    if (m) push([m.rank, l, r, version[l]!, version[r]!, m.id]);
  };

  for (let i = 0; i + 1 < n; i++) consider(i);
  while (heap.length > 0) {
    const [, l, r, vl, vr, merged] = pop() as [number, number, number, number, number, number];
    if (!alive[l] || !alive[r] || next[l] !== r || version[l] !== vl || version[r] !== vr) continue; // stale
    id[l] = merged;
    version[l]!++;
    alive[r] = 0;
    version[r]!++;
    next[l] = next[r]!;
    if (next[l]! >= 0) prev[next[l]!] = l;
    if (prev[l]! >= 0) consider(prev[l]!);
    consider(l);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]!) out.push(id[i]!);
  return out;
}
