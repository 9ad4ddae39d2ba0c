// Kendall's τ-b with tie correction, in O(n log n) (Knight's algorithm: sort by x then y, count
// the swaps a merge sort by y makes — each is a discordant pair). No well-kept JS library computes
// τ-b, so it is ours; tests check it against scipy's values and a brute-force O(n²) count.
//
// τ_b = (n_c − n_d) / sqrt((n0 − n1)(n0 − n2)), n0 = n(n−1)/2, n1 / n2 = pairs tied in x / in y.

function tiedPairs(sorted: ArrayLike<number>, equal: (i: number, j: number) => boolean): number {
  let pairs = 0;
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && equal(i - 1, i)) run++;
    else {
      pairs += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return pairs;
}

/** Sorts `a` in place by value (stable merge sort) and returns the number of inversions. */
function mergeSortCount(a: number[], tmp: number[], lo: number, hi: number): number {
  if (hi - lo < 2) return 0;
  const mid = (lo + hi) >>> 1;
  let swaps = mergeSortCount(a, tmp, lo, mid) + mergeSortCount(a, tmp, mid, hi);
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) {
    if (a[j] < a[i]) {
      tmp[k++] = a[j++];
      swaps += mid - i;
    } else tmp[k++] = a[i++];
  }
  while (i < mid) tmp[k++] = a[i++];
  while (j < hi) tmp[k++] = a[j++];
  for (let t = lo; t < hi; t++) a[t] = tmp[t];
  return swaps;
}

export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`kendallTauB: x has ${n} values, y has ${y.length}`);
  if (n < 2) return NaN;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  const xs = idx.map((i) => x[i]);
  const ys = idx.map((i) => y[i]);
  const n0 = (n * (n - 1)) / 2;
  const n1 = tiedPairs(xs, (i, j) => xs[i] === xs[j]);
  const n3 = tiedPairs(xs, (i, j) => xs[i] === xs[j] && ys[i] === ys[j]);
  const swaps = mergeSortCount(ys, new Array<number>(n), 0, n);
  const n2 = tiedPairs(ys, (i, j) => ys[i] === ys[j]);
  const denom = Math.sqrt((n0 - n1) * (n0 - n2));
  if (denom === 0) return NaN;
  // Concordant − discordant = n0 − n1 − n2 + n3 − 2·swaps.
  return (n0 - n1 - n2 + n3 - 2 * swaps) / denom;
}
