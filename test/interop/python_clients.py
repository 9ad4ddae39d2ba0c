"""Opens tract's exports with the Python clients their users would use, and reports what they read.

Run by test/interop/python_clients.test.ts with the virtual environment scripts/setup.sh makes
(.venv-py: onnxruntime, tokenizers, safetensors, numpy, pinned in scripts/python-requirements.txt).
It measures; the TypeScript test decides. Usage: python python_clients.py <spec.json>; prints one
JSON object on stdout.

spec.json:
  onnx:        [{model, variant: "logits"|"kv", ids: [T], expected: <raw little-endian f32 [T, V]>}]
  tokenizers:  [{file, texts: [str]}]
  safetensors: [{file, expected: <raw f32, the tensors' values in the order of names>,
                 names: [str], config: <config.json>, ids: [T], logits: <raw f32 [T, V]>}]
"""
import json
import sys

import numpy as np
import onnxruntime as ort
import safetensors
from safetensors.numpy import load_file
from tokenizers import Tokenizer


def raw_f32(path):
    return np.fromfile(path, dtype="<f4")


def check_onnx(item):
    """Runs the graph on the ids; 'kv' in two steps (prefill with an empty past, then the rest with
    the returned present keys/values) so the cache path is what gets compared."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(item["model"], opts, providers=["CPUExecutionProvider"])
    ids = np.array([item["ids"]], dtype=np.int64)
    inputs = {i.name: i for i in sess.get_inputs()}
    outputs = [o.name for o in sess.get_outputs()]
    if item["variant"] == "logits":
        logits = sess.run(["logits"], {"input_ids": ids})[0]
    else:
        pasts = sorted(n for n in inputs if n.startswith("past_"))
        feeds = {}
        for n in pasts:
            shape = inputs[n].shape  # [batch, KH, past, hs]
            feeds[n] = np.zeros((1, shape[1], 0, shape[3]), dtype=np.float32)
        split = ids.shape[1] // 2
        first = sess.run(None, {"input_ids": ids[:, :split], **feeds})
        got = dict(zip(outputs, first))
        feeds = {n: got[n.replace("past_", "present_")] for n in pasts}
        second = dict(zip(outputs, sess.run(None, {"input_ids": ids[:, split:], **feeds})))
        logits = np.concatenate([got["logits"], second["logits"]], axis=1)
    want = raw_f32(item["expected"]).reshape(logits.shape[1], -1)
    return {
        "model": item["model"],
        "variant": item["variant"],
        "inputs": sorted(inputs),
        "shape": list(logits.shape),
        "max_abs_diff": float(np.max(np.abs(logits[0] - want))),
        "max_abs_logit": float(np.max(np.abs(want))),
    }


def check_tokenizer(item):
    tok = Tokenizer.from_file(item["file"])
    out = []
    for text in item["texts"]:
        with_bos = tok.encode(text).ids
        plain = tok.encode(text, add_special_tokens=False).ids
        out.append({"text": text, "ids": with_bos, "ids_plain": plain, "decoded": tok.decode(with_bos)})
    return {"file": item["file"], "vocab_size": tok.get_vocab_size(), "encodings": out}


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def llama_logits(t, cfg, ids):
    """transformers' LlamaForCausalLM forward in float64 numpy, from config.json and the tensors as
    the safetensors client loads them: if tract's names, shapes or rotate-half permutation were
    wrong, these logits would not be tract's."""
    d, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    kvh = cfg.get("num_key_value_heads", nh)
    hs = cfg.get("head_dim", d // nh)
    eps, theta = cfg["rms_norm_eps"], cfg.get("rope_theta", 10000.0)
    w = {k: v.astype(np.float64) for k, v in t.items()}
    T = len(ids)
    x = w["model.embed_tokens.weight"][ids]
    inv = 1.0 / theta ** (np.arange(0, hs, 2, dtype=np.float64) / hs)
    freqs = np.outer(np.arange(T, dtype=np.float64), inv)
    cos, sin = np.cos(np.concatenate([freqs, freqs], -1)), np.sin(np.concatenate([freqs, freqs], -1))
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(T, nh, hs).transpose(1, 0, 2)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(T, kvh, hs).transpose(1, 0, 2)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(T, kvh, hs).transpose(1, 0, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = np.repeat(k, nh // kvh, axis=0), np.repeat(v, nh // kvh, axis=0)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hs) + mask
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        o = (a @ v).transpose(1, 0, 2).reshape(T, nh * hs)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g, u = h @ w[p + "mlp.gate_proj.weight"].T, h @ w[p + "mlp.up_proj.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T


def check_safetensors(item):
    t = load_file(item["file"])
    with safetensors.safe_open(item["file"], framework="numpy") as f:
        metadata = f.metadata()
    names = item["names"]
    flat = raw_f32(item["expected"])
    worst, at = 0.0, 0
    per = {}
    for n in names:
        size = int(np.prod(t[n].shape)) if n in t else 0
        if n in t:
            diff = float(np.max(np.abs(t[n].astype(np.float32).ravel() - flat[at : at + size])))
            per[n] = diff
            worst = max(worst, diff)
        at += size
    cfg = json.load(open(item["config"]))
    logits = llama_logits(t, cfg, item["ids"])
    want = raw_f32(item["logits"]).reshape(len(item["ids"]), -1)
    return {
        "file": item["file"],
        "names": sorted(t),
        "shapes": {k: list(v.shape) for k, v in t.items()},
        "dtypes": sorted({str(v.dtype) for v in t.values()}),
        "metadata": metadata,
        "max_abs_diff": worst,
        "per_tensor": per,
        "forward_max_abs_diff": float(np.max(np.abs(logits - want))),
        "forward_max_abs_logit": float(np.max(np.abs(want))),
    }


def main():
    spec = json.load(open(sys.argv[1]))
    result = {
        "versions": {"onnxruntime": ort.__version__, "numpy": np.__version__, "safetensors": safetensors.__version__},
        "onnx": [check_onnx(x) for x in spec.get("onnx", [])],
        "tokenizers": [check_tokenizer(x) for x in spec.get("tokenizers", [])],
        "safetensors": [check_safetensors(x) for x in spec.get("safetensors", [])],
    }
    import tokenizers

    result["versions"]["tokenizers"] = tokenizers.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()
