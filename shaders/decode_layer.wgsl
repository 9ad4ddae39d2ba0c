// decode_layer — transformer layers of one decode step (one new token per sequence) in one
// dispatch, one workgroup per sequence: what decode_qkv → decode_attention → decode_matvec →
// decode_gate_up → decode_matvec do in five dispatches per layer, with the vectors between them
// kept in workgroup memory; with HEAD, every layer and then the final norm and the head, so a whole
// decode step is this one dispatch (and the sampler). For small models on CPU drivers, where a
// dispatch's fixed cost (~0.1 ms on lavapipe) outweighs a layer's arithmetic (stories260K: 45K
// multiply-adds).
//   x  = tok_embeddings[token] (first) or the previous layer's output, from x
//   per layer l = layer0 .. layer0 + layers − 1 (weights at offs[9·l ..], its cache at (l − layer0)·kv_stride):
//     xn = rmsnorm(x) ⊙ g_att;  q, k, v = xn·[wq; wk; wv]ᵀ;  q, k = rope(q, k);  cache[pos] ← k, v
//     y  = softmax(q·k[0..pos]ᵀ / √hs)·v[0..pos] per head (grouped-query: kv head h / (H / KH))
//     x1 = x + y·woᵀ;  xn = rmsnorm(x1) ⊙ g_ffn;  g = silu(xn·w1ᵀ) ⊙ xn·w3ᵀ;  x = x1 + g·w2ᵀ
//   head: logits = (rmsnorm(x) ⊙ g_norm)·headᵀ; else x is written back for the next dispatch.
//   greedy (with the head): the first index of the largest logit is written to
//   tokens[b·tok_stride + tok_offset + 1], where the next step reads its input (tokens is then the
//   generator's history [B, Tmax], read at tok_offset = pos): greedy decoding without the sampler's
//   dispatch, the same rule as sample_token.wgsl at temperature 0 without a penalty.
// Weights are read from the flat parameter buffer at vec4 offsets (every row a multiple of 4 floats:
// C, F and hs % 4 = 0). Products go four output columns per task so that no two invocations write
// one vec4; RoPE and attention go one head per invocation (their loops are over hs and the cache).
// Loop bounds are uniforms, not overrides: loops with constant trip counts are unrolled by the
// driver, and lavapipe took ~3 minutes to compile the unrolled kernel (now seconds).
// Workgroup memory: mem = [x | xn | x1 | q | k | y | g] in vec4s (its size by override).
// Rows: with rows_on, workgroup i runs sequence rows[i] (a generator dispatches only the sequences
// that have not stopped: the others' x, cache and logits rows are left as they are); without, i.
//
// Bindings:
//   0 params   uniform Params
//   1 w        flat params                 vec4<f32>  read
//   2 table    [max_pos, hs/2]             vec2<f32>  read   RoPE (cos, sin)
//   3 tokens   [B] (or [B, Tmax])          u32        read at b·tok_stride + tok_offset (first only);
//                                                            greedy: = at b·tok_stride + tok_offset + 1
//   4 offs     [nLayers, 9]                u32        read   wq wk wv wo w1 w2 w3 g_att g_ffn (vec4s)
//   5 x        [B, C]                      vec4<f32>  read (unless first), = (unless head)
//   6 k_cache  layers × [B, Tmax, KH·hs]   vec4<f32>  row pos =, rows 0..pos read
//   7 v_cache  layers × [B, Tmax, KH·hs]   vec4<f32>  row pos =, rows 0..pos read
//   8 logits   [B, V]                      f32        = (head only)
struct Params {
  C: u32,
  H: u32,
  KH: u32,
  hs: u32,
  pos: u32,
  Tmax: u32,
  half_pairs: u32,  // 1: RoPE pairs (i, i + hs/2); 0: (2i, 2i+1)
  first: u32,       // 1: x is the embedding of tokens[b] (emb at emb_off)
  emb_off: u32,     // offsets in vec4s
  layer0: u32,
  layers: u32,
  kv_stride: u32,   // vec4s between consecutive layers' caches in k_cache / v_cache
  head: u32,        // 1: end with the norm and the head into logits
  norm_off: u32,
  head_off: u32,
  V: u32,
  eps: f32,
  div: f32,         // √hs
  // vec4s of C, F, H·hs and KH·hs.
  CV: u32,
  FV: u32,
  QV: u32,
  KVV: u32,
  rows_on: u32,
  tok_stride: u32,  // the step's input token of sequence b is tokens[b·tok_stride + tok_offset]
  tok_offset: u32,
  greedy: u32,      // 1 (with head): write the argmax of the logits after the input token
  _pad0: u32,
  _pad1: u32,
  rows: array<vec4<u32>, 64>, // up to 256 sequence rows, four per vec4
}

override WG: u32 = 64u;
/** vec4s per head: hs / 4, 1 ..= 8. */
override HV: u32 = 2u;
/** vec4s of workgroup memory: 3·CV + 2·QV + KVV + FV. */
override MEMV: u32 = 140u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> table: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> tokens: array<u32>;
@group(0) @binding(4) var<storage, read> offs: array<u32>;
@group(0) @binding(5) var<storage, read_write> x: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> k_cache: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> v_cache: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> logits: array<f32>;

var<workgroup> mem: array<vec4<f32>, MEMV>;
/** Greedy: each invocation's best logit and its index, merged by invocation 0. */
var<workgroup> best_v: array<f32, WG>;
var<workgroup> best_i: array<u32, WG>;

/** Σ_i mem[m + i] · w[o + i] over n vec4s. */
fn dotw(m: u32, o: u32, n: u32) -> f32 {
  var a = vec4<f32>(0.0);
  for (var i = 0u; i < n; i++) { a = fma(mem[m + i], w[o + i], a); }
  return (a.x + a.y) + (a.z + a.w);
}

/** Four consecutive rows (r, r + n, r + 2n, r + 3n: rows of n vec4s) of W times mem[m ..]. Each
 *  mem vec4 is loaded once for the four rows (a lane's workgroup-memory load is a scalar load on
 *  lavapipe); every row sums in the same order as dotw. */
fn dot4(m: u32, r: u32, n: u32) -> vec4<f32> {
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  for (var i = 0u; i < n; i++) {
    let xm = mem[m + i];
    a0 = fma(xm, w[r + i], a0);
    a1 = fma(xm, w[r + n + i], a1);
    a2 = fma(xm, w[r + 2u * n + i], a2);
    a3 = fma(xm, w[r + 3u * n + i], a3);
  }
  return vec4<f32>((a0.x + a0.y) + (a0.z + a0.w), (a1.x + a1.y) + (a1.z + a1.w), (a2.x + a2.y) + (a2.z + a2.w), (a3.x + a3.y) + (a3.z + a3.w));
}

/** mem[dst ..] = mem[src ..] ⊙ w[g ..] / sqrt(mean(mem[src ..]²) + eps), C floats. Every invocation
 *  sums all of Σx² itself (C is small): no reduction, so no barrier but the one after. */
fn rmsnorm(src: u32, dst: u32, g: u32, lid: u32) {
  var ss = vec4<f32>(0.0);
  for (var i = 0u; i < P.CV; i++) { let v = mem[src + i]; ss = fma(v, v, ss); }
  let scale = 1.0 / sqrt(((ss.x + ss.y) + (ss.z + ss.w)) / f32(P.C) + P.eps);
  for (var i = lid; i < P.CV; i += WG) { mem[dst + i] = mem[src + i] * w[g + i] * scale; }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = select(wg.x, P.rows[wg.x / 4u][wg.x % 4u], P.rows_on != 0u);
  let CV = P.CV;
  let FV = P.FV;
  let QV = P.QV;
  let KVV = P.KVV;
  // Regions of mem.
  let XR = 0u;
  let XN = CV;
  let X1 = 2u * CV;
  let QR = 3u * CV;
  let KR = 3u * CV + QV;
  let YR = 3u * CV + QV + KVV;
  let GR = 3u * CV + 2u * QV + KVV;
  let half = P.hs / 2u;

  // The residual stream.
  if (P.first != 0u) {
    let e = P.emb_off + tokens[b * P.tok_stride + P.tok_offset] * CV;
    for (var i = lid; i < CV; i += WG) { mem[XR + i] = w[e + i]; }
  } else {
    for (var i = lid; i < CV; i += WG) { mem[XR + i] = x[b * CV + i]; }
  }
  workgroupBarrier();

  for (var li = 0u; li < P.layers; li++) {
    let o = (P.layer0 + li) * 9u;
    let kvb = li * P.kv_stride;
    let row = kvb + (b * P.Tmax + P.pos) * KVV; // the cache row of the new token
    rmsnorm(XR, XN, offs[o + 7u], lid);

    // q, k (into mem) and v (into the cache), four columns per task.
    for (var t = lid; t < QV + 2u * KVV; t += WG) {
      if (t < QV) {
        mem[QR + t] = dot4(XN, offs[o] + t * 4u * CV, CV);
      } else if (t < QV + KVV) {
        mem[KR + t - QV] = dot4(XN, offs[o + 1u] + (t - QV) * 4u * CV, CV);
      } else {
        v_cache[row + t - QV - KVV] = dot4(XN, offs[o + 2u] + (t - QV - KVV) * 4u * CV, CV);
      }
    }
    workgroupBarrier();

    // RoPE, one head per task: the H query heads, then the KH key heads (then written to the cache).
    for (var t = lid; t < P.H + P.KH; t += WG) {
      let base = select(QR + t * HV, KR + (t - P.H) * HV, t >= P.H);
      for (var i = 0u; i < half; i++) {
        var c0 = 2u * i;
        var c1 = c0 + 1u;
        if (P.half_pairs != 0u) {
          c0 = i;
          c1 = i + half;
        }
        let v0 = mem[base + c0 / 4u][c0 % 4u];
        let v1 = mem[base + c1 / 4u][c1 % 4u];
        let cs = table[P.pos * half + i];
        mem[base + c0 / 4u][c0 % 4u] = v0 * cs.x - v1 * cs.y;
        mem[base + c1 / 4u][c1 % 4u] = v0 * cs.y + v1 * cs.x;
      }
      if (t >= P.H) {
        for (var i = 0u; i < HV; i++) { k_cache[row + (t - P.H) * HV + i] = mem[base + i]; }
      }
    }
    // The cache rows just written are read back below, by other invocations.
    storageBarrier();
    workgroupBarrier();

    // Attention, one query head per task, online softmax over the cache rows 0..pos (as
    // attention_fused_forward.wgsl). The head's q and running y are named vec4s, switched by the
    // override HV (those past HV compile away): registers, where y in mem cost a scalar load and
    // store per lane on lavapipe (this loop was ~40% of a step), and a private array indexed in a
    // loop stays in memory on SwiftShader.
    for (var h = lid; h < P.H; h += WG) {
      let kvh = h / (P.H / P.KH);
      let qb = QR + h * HV;
      let zero = vec4<f32>(0.0);
      let q0 = mem[qb];
      let q1 = select(zero, mem[qb + min(1u, HV - 1u)], HV > 1u);
      let q2 = select(zero, mem[qb + min(2u, HV - 1u)], HV > 2u);
      let q3 = select(zero, mem[qb + min(3u, HV - 1u)], HV > 3u);
      let q4 = select(zero, mem[qb + min(4u, HV - 1u)], HV > 4u);
      let q5 = select(zero, mem[qb + min(5u, HV - 1u)], HV > 5u);
      let q6 = select(zero, mem[qb + min(6u, HV - 1u)], HV > 6u);
      let q7 = select(zero, mem[qb + min(7u, HV - 1u)], HV > 7u);
      var y0 = zero; var y1 = zero; var y2 = zero; var y3 = zero;
      var y4 = zero; var y5 = zero; var y6 = zero; var y7 = zero;
      var mx = -3.4028234e38;
      var l = 0.0;
      var kb = kvb + b * P.Tmax * KVV + kvh * HV;
      for (var j = 0u; j <= P.pos; j++) {
        var d = q0 * k_cache[kb];
        if (HV > 1u) { d = fma(q1, k_cache[kb + 1u], d); }
        if (HV > 2u) { d = fma(q2, k_cache[kb + 2u], d); }
        if (HV > 3u) { d = fma(q3, k_cache[kb + 3u], d); }
        if (HV > 4u) { d = fma(q4, k_cache[kb + 4u], d); }
        if (HV > 5u) { d = fma(q5, k_cache[kb + 5u], d); }
        if (HV > 6u) { d = fma(q6, k_cache[kb + 6u], d); }
        if (HV > 7u) { d = fma(q7, k_cache[kb + 7u], d); }
        let s = ((d.x + d.y) + (d.z + d.w)) / P.div;
        if (s > mx) {
          let c = exp(mx - s);
          l *= c;
          y0 *= c; y1 *= c; y2 *= c; y3 *= c; y4 *= c; y5 *= c; y6 *= c; y7 *= c;
          mx = s;
        }
        let p = exp(s - mx);
        l += p;
        let pv = vec4<f32>(p);
        y0 = fma(pv, v_cache[kb], y0);
        if (HV > 1u) { y1 = fma(pv, v_cache[kb + 1u], y1); }
        if (HV > 2u) { y2 = fma(pv, v_cache[kb + 2u], y2); }
        if (HV > 3u) { y3 = fma(pv, v_cache[kb + 3u], y3); }
        if (HV > 4u) { y4 = fma(pv, v_cache[kb + 4u], y4); }
        if (HV > 5u) { y5 = fma(pv, v_cache[kb + 5u], y5); }
        if (HV > 6u) { y6 = fma(pv, v_cache[kb + 6u], y6); }
        if (HV > 7u) { y7 = fma(pv, v_cache[kb + 7u], y7); }
        kb += KVV;
      }
      let inv = 1.0 / l;
      let yb = YR + h * HV;
      mem[yb] = y0 * inv;
      if (HV > 1u) { mem[yb + 1u] = y1 * inv; }
      if (HV > 2u) { mem[yb + 2u] = y2 * inv; }
      if (HV > 3u) { mem[yb + 3u] = y3 * inv; }
      if (HV > 4u) { mem[yb + 4u] = y4 * inv; }
      if (HV > 5u) { mem[yb + 5u] = y5 * inv; }
      if (HV > 6u) { mem[yb + 6u] = y6 * inv; }
      if (HV > 7u) { mem[yb + 7u] = y7 * inv; }
    }
    workgroupBarrier();

    // x1 = x + y·woᵀ.
    for (var t = lid; t < CV; t += WG) { mem[X1 + t] = mem[XR + t] + dot4(YR, offs[o + 3u] + t * 4u * QV, QV); }
    workgroupBarrier();
    rmsnorm(X1, XN, offs[o + 8u], lid);

    // g = silu(xn·w1ᵀ) ⊙ xn·w3ᵀ.
    for (var t = lid; t < FV; t += WG) {
      let a = dot4(XN, offs[o + 4u] + t * 4u * CV, CV);
      let u = dot4(XN, offs[o + 6u] + t * 4u * CV, CV);
      // σ with −a capped at 88 so exp stays finite, as decode_gate_up.wgsl and swiglu_forward.wgsl.
      mem[GR + t] = a * (vec4<f32>(1.0) / (vec4<f32>(1.0) + exp(min(-a, vec4<f32>(88.0))))) * u;
    }
    workgroupBarrier();

    // x = x1 + g·w2ᵀ, the layer's output.
    for (var t = lid; t < CV; t += WG) { mem[XR + t] = mem[X1 + t] + dot4(GR, offs[o + 5u] + t * 4u * FV, FV); }
    workgroupBarrier();
  }

  if (P.head != 0u) {
    rmsnorm(XR, XN, P.norm_off, lid);
    // Four vocabulary rows per task (dot4: xn loaded once for the four), the last < 4 one by one.
    // Greedy: each invocation keeps its first largest logit (rows in increasing order).
    let none = 0xffffffffu;
    var bv = 0.0;
    var bi = none;
    let V4 = P.V / 4u;
    for (var t = lid; t < V4; t += WG) {
      let z = dot4(XN, P.head_off + t * 4u * CV, CV);
      let lo = b * P.V + 4u * t;
      logits[lo] = z.x;
      logits[lo + 1u] = z.y;
      logits[lo + 2u] = z.z;
      logits[lo + 3u] = z.w;
      for (var c = 0u; c < 4u; c++) {
        if (bi == none || z[c] > bv) {
          bv = z[c];
          bi = 4u * t + c;
        }
      }
    }
    for (var v = 4u * V4 + lid; v < P.V; v += WG) {
      let z = dotw(XN, P.head_off + v * CV, CV);
      logits[b * P.V + v] = z;
      if (bi == none || z > bv) {
        bv = z;
        bi = v;
      }
    }
    if (P.greedy != 0u) {
      best_v[lid] = bv;
      best_i[lid] = bi;
      workgroupBarrier();
      if (lid == 0u) {
        // The first index of the maximum over all invocations' bests.
        for (var l = 1u; l < WG; l++) {
          let oi = best_i[l];
          if (oi != none && (bi == none || best_v[l] > bv || (best_v[l] == bv && oi < bi))) {
            bv = best_v[l];
            bi = oi;
          }
        }
        tokens[b * P.tok_stride + P.tok_offset + 1u] = min(bi, P.V - 1u);
      }
    }
  } else {
    for (var t = lid; t < CV; t += WG) { x[b * CV + t] = mem[XR + t]; }
  }
}
