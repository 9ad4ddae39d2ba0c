// sample_token — picks the next token of each sequence from its logits row, on the GPU, and writes it
// where the next decode step reads its input (next[b]) and into the sequence's history (at len), so
// the CPU need not read anything back between tokens.
//   l'_i = l_i, or with a repetition penalty r ≠ 1 and token i in history[b, 0..len):
//          l_i / r if l_i > 0 else l_i · r  (the CTRL / Hugging Face rule, as src/infer/sampling.ts)
//   temperature 0: the first index of max l'  (greedy, llama2.c's argmax)
//   else e_i = exp((l'_i − max l') / temperature); keep the top-p nucleus: the most probable tokens,
//        in order of e descending then index ascending, until their mass reaches top_p·Σe (at least
//        one); draw u ∈ [0, 1) from a counter-based hash of (seed, step, b) and return the first kept
//        index i (in index order) whose running kept mass exceeds u·(kept mass).
// The nucleus is found without sorting: its smallest kept value p* is the largest value v with
// Σ_{e ≥ v} e ≥ top_p·Σe, found by bisection on the bits of v (positive floats order as their
// bits); tokens tied at p* are kept in index order until the mass is reached.
// One workgroup per sequence b (wg.x); invocation tid owns the contiguous chunk
// [tid·chunk, (tid+1)·chunk) of the row, so scans over chunks run in index order. WG: a power of two.
//
// Bindings:
//   0 params   uniform Params
//   1 logits   [B, V]     f32  read
//   2 work     [B, V]     f32  =     scratch: e_i
//   3 history  [B, Tmax]  u32  read [b, 0..len), = [b, len]
//   4 next     [B]        u32  =     the sampled token (the next decode step's input)
struct Params {
  B: u32,
  V: u32,
  Tmax: u32,
  len: u32,          // tokens already in history (prompt + generated); the new one goes at len
  temperature: f32,
  top_p: f32,
  penalty: f32,
  seed: u32,
  step: u32,
}

override WG: u32 = 64u;
override MASK_WORDS: u32 = 16u; // ceil(V / 32): one bit per token, the history as a set

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> work: array<f32>;
@group(0) @binding(3) var<storage, read_write> history: array<u32>;
@group(0) @binding(4) var<storage, read_write> next: array<u32>;

var<workgroup> red_f: array<f32, WG>;
var<workgroup> red_u: array<u32, WG>;
var<workgroup> seen: array<atomic<u32>, MASK_WORDS>;
var<workgroup> chosen: atomic<u32>;
var<workgroup> last_kept: atomic<u32>;

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

/** Uniform in [0, 1) on a 2^-24 grid, from the counter (seed, step, seq). */
fn uniform01(seed: u32, step: u32, seq: u32) -> f32 {
  let h = pcg(pcg(pcg(seed) + step) + seq);
  return f32(h >> 8u) * (1.0 / 16777216.0);
}

fn penalised(b: u32, i: u32) -> f32 {
  let l = logits[b * P.V + i];
  if (P.penalty != 1.0 && ((atomicLoad(&seen[i / 32u]) >> (i % 32u)) & 1u) != 0u) {
    return select(l * P.penalty, l / P.penalty, l > 0.0);
  }
  return l;
}

fn reduce_sum(v: f32, tid: u32) -> f32 {
  red_f[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red_f[tid] += red_f[tid + s]; }
    workgroupBarrier();
  }
  let r = red_f[0];
  workgroupBarrier();
  return r;
}

fn reduce_max(v: f32, tid: u32) -> f32 {
  red_f[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red_f[tid] = max(red_f[tid], red_f[tid + s]); }
    workgroupBarrier();
  }
  let r = red_f[0];
  workgroupBarrier();
  return r;
}

fn reduce_count(v: u32, tid: u32) -> u32 {
  red_u[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red_u[tid] += red_u[tid + s]; }
    workgroupBarrier();
  }
  let r = red_u[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let b = wg.x;
  let V = P.V;
  let row = b * V;
  let chunk = (V + WG - 1u) / WG;
  let lo = min(tid * chunk, V);
  let hi = min(lo + chunk, V);
  let neg_inf = -3.4028234e38; // about the lowest f32 (a constant −∞ does not compile); −∞ logits still lose to it in max()

  // The history as a set of token ids (the penalty applies once per distinct token).
  for (var w = tid; w < MASK_WORDS; w += WG) { atomicStore(&seen[w], 0u); }
  if (tid == 0u) {
    atomicStore(&chosen, 0xffffffffu);
    atomicStore(&last_kept, 0u);
  }
  workgroupBarrier();
  if (P.penalty != 1.0) {
    for (var j = tid; j < P.len; j += WG) {
      let id = history[b * P.Tmax + j];
      if (id < V) { atomicOr(&seen[id / 32u], 1u << (id % 32u)); }
    }
  }
  workgroupBarrier();

  var token = 0u;
  if (P.temperature == 0.0) {
    // Greedy: first index of the maximum. Each chunk's best, then a tree over chunks (in order).
    var bv = neg_inf;
    var bi = V; // none yet
    for (var i = lo; i < hi; i++) {
      let l = penalised(b, i);
      if (bi == V || l > bv) { bv = l; bi = i; }
    }
    red_f[tid] = bv;
    red_u[tid] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
      if (tid < s) {
        let ov = red_f[tid + s];
        let oi = red_u[tid + s];
        // Ties go to the lower index: after the first level a slot holds chunks that are not
        // contiguous (tid, tid + s, …), so the slot's order alone does not say which came first.
        if (oi != V && (red_u[tid] == V || ov > red_f[tid] || (ov == red_f[tid] && oi < red_u[tid]))) {
          red_f[tid] = ov;
          red_u[tid] = oi;
        }
      }
      workgroupBarrier();
    }
    token = min(red_u[0], V - 1u);
  } else {
    var m = neg_inf;
    for (var i = lo; i < hi; i++) { m = max(m, penalised(b, i)); }
    let mx = reduce_max(m, tid);
    var s_local = 0.0;
    for (var i = lo; i < hi; i++) {
      let e = exp((penalised(b, i) - mx) / P.temperature);
      work[row + i] = e;
      s_local += e;
    }
    let total = reduce_sum(s_local, tid);

    // The nucleus: p* and how many tokens tied at p* are kept (all tokens when top_p ≥ 1).
    var pstar = -1.0;
    var keep_ties = 0u;
    if (P.top_p < 1.0) {
      let goal = P.top_p * total;
      var blo = 0u;
      var bhi = bitcast<u32>(1.0); // max e = exp(0) = 1
      for (var it = 0u; it < 31u; it++) {
        let mid = blo + (bhi - blo + 1u) / 2u;
        let v = bitcast<f32>(mid);
        var g = 0.0;
        for (var i = lo; i < hi; i++) {
          let e = work[row + i];
          if (e >= v) { g += e; }
        }
        let G = reduce_sum(g, tid);
        if (G >= goal) { blo = mid; } else { bhi = mid - 1u; }
      }
      pstar = bitcast<f32>(blo);
      var above = 0.0;
      var ties = 0u;
      for (var i = lo; i < hi; i++) {
        let e = work[row + i];
        if (e > pstar) { above += e; }
        if (e == pstar) { ties += 1u; }
      }
      let G_above = reduce_sum(above, tid);
      let n_ties = reduce_count(ties, tid);
      keep_ties = n_ties;
      if (pstar > 0.0) { keep_ties = clamp(u32(ceil((goal - G_above) / pstar)), 1u, max(n_ties, 1u)); }
    }

    // Tie ranks: how many tokens tied at p* lie in earlier chunks (exclusive scan by invocation 0).
    var ties_here = 0u;
    for (var i = lo; i < hi; i++) { if (work[row + i] == pstar) { ties_here += 1u; } }
    red_u[tid] = ties_here;
    workgroupBarrier();
    if (tid == 0u) {
      var acc = 0u;
      for (var t = 0u; t < WG; t++) { let c = red_u[t]; red_u[t] = acc; acc += c; }
    }
    workgroupBarrier();
    let tie_base = red_u[tid];
    // Kept mass per chunk, then its exclusive scan (and the total kept mass) by invocation 0.
    var kept_here = 0.0;
    var rank = tie_base;
    for (var i = lo; i < hi; i++) {
      let e = work[row + i];
      var keep = e > pstar;
      if (e == pstar) { keep = rank < keep_ties; rank += 1u; }
      if (keep) { kept_here += e; }
      if (keep && e > 0.0) { atomicMax(&last_kept, i); }
    }
    red_f[tid] = kept_here;
    workgroupBarrier();
    if (tid == 0u) {
      var acc = 0.0;
      for (var t = 0u; t < WG; t++) { let c = red_f[t]; red_f[t] = acc; acc += c; }
      red_u[0] = bitcast<u32>(acc);
    }
    workgroupBarrier();
    let base = red_f[tid];
    let kept_total = bitcast<f32>(red_u[0]);
    let draw = uniform01(P.seed, P.step, b) * kept_total;
    if (draw >= base) {
      var c = base;
      rank = tie_base;
      for (var i = lo; i < hi; i++) {
        let e = work[row + i];
        var keep = e > pstar;
        if (e == pstar) { keep = rank < keep_ties; rank += 1u; }
        if (keep) {
          c += e;
          if (draw < c) { atomicMin(&chosen, i); break; }
        }
      }
    }
    workgroupBarrier();
    token = atomicLoad(&chosen);
    if (token == 0xffffffffu) { token = atomicLoad(&last_kept); } // rounding left target ≥ the kept mass: the last kept token with e > 0
  }
  if (tid == 0u) {
    next[b] = token;
    if (P.len < P.Tmax) { history[b * P.Tmax + P.len] = token; }
  }
}
