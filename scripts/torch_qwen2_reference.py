#!/usr/bin/python3
"""Independent PyTorch reference of Qwen2ForCausalLM, written from the semantics of HF transformers'
modeling_qwen2.py (HF itself is not installable here; torch 1.13 is). It writes the committed fixtures under
test/fixtures/engine/ that test/engine checks the TypeScript engine against:

  <case>/config.json                 HF config.json
  <case>/model.safetensors           the weights (F32), written by the small safetensors writer below
  <case>/tokens.json                 {"input_ids": [[...]], "labels": [[...]]}  (labels may hold -100)
  <case>/expected-f32.safetensors    logits [B,T,V], loss [], and grad.<hf name> for every parameter, float32
  <case>/expected-f64.safetensors    the same computed in float64 (see "float64" below)
  cases: tied (GQA 4/2), untied (head_dim != hidden/heads, 3 query heads on 1 KV head, ignored labels),
         padded (pad_token_id: nn.Embedding's padding_idx, pad tokens in the input)
  tied/model.bf16.safetensors, model.f16.safetensors       the weights cast by torch (round to nearest even)
  tied/model.bf16-as-f32.safetensors, model.f16-as-f32...   what those casts are, widened to F32
  tied/sharded/                       the weights split over two shards + model.safetensors.index.json

HF semantics followed (transformers 4.4x, eager attention):
  RMSNorm: h.float(); h * rsqrt(mean(h^2) + eps); weight * h.to(input dtype)
  RoPE: inv_freq = 1/theta^(arange(0,d,2).float()/d) in float32; freqs = inv_freq x positions in float32;
        emb = cat(freqs, freqs); q*cos + rotate_half(q)*sin with rotate_half(x) = cat(-x2, x1)
  attention: q/k/v with bias, o without; repeat_kv; (q k^T) * head_dim^-0.5 + causal mask (dtype min);
             softmax in float32; attn @ v; o_proj
  MLP: down(silu(gate(x)) * up(x)); final norm; lm_head tied to embed_tokens when tie_word_embeddings
  loss: labels padded with -100 and shifted by one; cross_entropy(ignore_index=-100, mean)
float64: HF upcasts to float32 inside RMSNorm, softmax and the loss and computes RoPE tables in float32; a
float64 model there would be partly float32. The float64 fixture instead keeps everything in float64 (RoPE
tables included), so the engine's float64 mode can be checked to ~1e-12 against pure algebra.

Run: /usr/bin/python3 scripts/torch_qwen2_reference.py [out_dir]
"""
import json, math, os, struct, sys
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "engine")

# ---- safetensors (format: u64 LE header length, JSON header, raw little-endian data) -------------------------
DT = {torch.float32: "F32", torch.float64: "F64", torch.bfloat16: "BF16", torch.float16: "F16"}

def write_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)

# ---- the model -------------------------------------------------------------------------------------------
def compute_dtype(dtype):
    return torch.promote_types(dtype, torch.float32)

class Qwen2RMSNorm(nn.Module):
    def __init__(self, hidden, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.eps = eps
    def forward(self, h):
        dtype = h.dtype
        h = h.to(compute_dtype(dtype))
        var = h.pow(2).mean(-1, keepdim=True)
        h = h * torch.rsqrt(var + self.eps)
        return self.weight * h.to(dtype)

def rope_cos_sin(cfg, T, dtype):
    d = cfg["head_dim"]
    if dtype == torch.float64:
        inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv)
    else:
        inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
        freqs = (inv[None, :, None].float() @ torch.arange(T)[None, None, :].float()).transpose(1, 2)[0]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)

def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)

def repeat_kv(x, n_rep):
    b, kvh, t, d = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None, :, :].expand(b, kvh, n_rep, t, d).reshape(b, kvh * n_rep, t, d)

class Qwen2Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h, d = cfg["hidden_size"], cfg["head_dim"]
        self.nh, self.nkv, self.d = cfg["num_attention_heads"], cfg["num_key_value_heads"], d
        self.q_proj = nn.Linear(h, self.nh * d, bias=True)
        self.k_proj = nn.Linear(h, self.nkv * d, bias=True)
        self.v_proj = nn.Linear(h, self.nkv * d, bias=True)
        self.o_proj = nn.Linear(self.nh * d, h, bias=False)
    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, -1, self.d).transpose(1, 2)
        k = self.k_proj(x).view(B, T, -1, self.d).transpose(1, 2)
        v = self.v_proj(x).view(B, T, -1, self.d).transpose(1, 2)
        c, s = cos[None, None], sin[None, None]
        q = q * c + rotate_half(q) * s
        k = k * c + rotate_half(k) * s
        k = repeat_kv(k, self.nh // self.nkv)
        v = repeat_kv(v, self.nh // self.nkv)
        w = torch.matmul(q, k.transpose(2, 3)) * self.d ** -0.5
        mask = torch.full((T, T), torch.finfo(x.dtype).min, dtype=x.dtype).triu(1)
        w = w + mask
        w = F.softmax(w, dim=-1, dtype=compute_dtype(x.dtype)).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).reshape(B, T, -1)
        return self.o_proj(o)

class Qwen2MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h, i = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)
    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))

class Qwen2DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self_attn = Qwen2Attention(cfg)
        self.mlp = Qwen2MLP(cfg)
        self.input_layernorm = Qwen2RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.post_attention_layernorm = Qwen2RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))

class Qwen2Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"], cfg.get("pad_token_id"))
        self.layers = nn.ModuleList([Qwen2DecoderLayer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = Qwen2RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])

class Qwen2ForCausalLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = Qwen2Model(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        if cfg["tie_word_embeddings"]:
            self.lm_head.weight = self.model.embed_tokens.weight
    def forward(self, ids, labels):
        x = self.model.embed_tokens(ids)
        cos, sin = rope_cos_sin(self.cfg, ids.shape[1], x.dtype)
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        logits = self.lm_head(self.model.norm(x))
        lg = logits.to(compute_dtype(logits.dtype))
        lab = F.pad(labels, (0, 1), value=-100)[..., 1:]
        loss = F.cross_entropy(lg.reshape(-1, lg.shape[-1]), lab.reshape(-1), ignore_index=-100)
        return logits, loss

def hf_state_dict(model):
    """HF state_dict names and order; the tied lm_head.weight is not a separate tensor (safetensors drops it)."""
    sd = {}
    for name, p in model.named_parameters():  # named_parameters() yields a shared tensor once
        sd[name] = p
    return sd

def hf_config(cfg):
    return {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_dropout": 0.0,
        "bos_token_id": None, "eos_token_id": None, "pad_token_id": cfg.get("pad_token_id"), "head_dim": cfg["head_dim"], "hidden_act": "silu",
        "hidden_size": cfg["hidden_size"], "initializer_range": 0.02, "intermediate_size": cfg["intermediate_size"],
        "max_position_embeddings": cfg["max_position_embeddings"], "max_window_layers": cfg["num_hidden_layers"],
        "num_attention_heads": cfg["num_attention_heads"], "num_hidden_layers": cfg["num_hidden_layers"],
        "num_key_value_heads": cfg["num_key_value_heads"], "rms_norm_eps": cfg["rms_norm_eps"], "rope_scaling": None,
        "rope_theta": cfg["rope_theta"], "sliding_window": None, "tie_word_embeddings": cfg["tie_word_embeddings"],
        "torch_dtype": "float32", "use_cache": True, "use_sliding_window": False, "vocab_size": cfg["vocab_size"],
    }

def make_case(name, cfg, B, T, seed, ignore_positions, pad_positions=()):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(cfg)
    # Non-trivial weights so every path carries signal: larger than HF's 0.02 init, non-zero biases,
    # norm weights away from 1.
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif n.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif "embed_tokens" in n:
                p.copy_(0.5 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) / math.sqrt(p.shape[1]))
    ids = torch.randint(0, cfg["vocab_size"], (B, T))
    for (b, t) in pad_positions:
        ids[b, t] = cfg["pad_token_id"]
    labels = ids.clone()
    for (b, t) in ignore_positions:
        labels[b, t] = -100
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(hf_config(cfg), f, indent=2)
        f.write("\n")
    with open(os.path.join(d, "tokens.json"), "w") as f:
        json.dump({"input_ids": ids.tolist(), "labels": labels.tolist()}, f)
        f.write("\n")
    sd = hf_state_dict(model)
    write_safetensors(os.path.join(d, "model.safetensors"), sd, {"format": "pt"})
    for dtype, tag in ((torch.float32, "f32"), (torch.float64, "f64")):
        m = Qwen2ForCausalLM(cfg).to(dtype)
        m.load_state_dict(model.state_dict())
        logits, loss = m(ids, labels)
        loss.backward()
        out = {"logits": logits.detach(), "loss": loss.detach().reshape(())}
        for n, p in hf_state_dict(m).items():
            out["grad." + n] = p.grad.detach()
        write_safetensors(os.path.join(d, f"expected-{tag}.safetensors"), out)
        print(f"{name} {tag}: loss {loss.item():.10f}")
    return d, sd

def main():
    tied = dict(vocab_size=64, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, head_dim=4, max_position_embeddings=64, rms_norm_eps=1e-6,
                rope_theta=10000.0, tie_word_embeddings=True)
    d, sd = make_case("tied", tied, B=2, T=7, seed=1234, ignore_positions=[])
    for dtype, tag in ((torch.bfloat16, "bf16"), (torch.float16, "f16")):
        cast = {n: p.detach().to(dtype) for n, p in sd.items()}
        write_safetensors(os.path.join(d, f"model.{tag}.safetensors"), cast, {"format": "pt"})
        write_safetensors(os.path.join(d, f"model.{tag}-as-f32.safetensors"), {n: t.float() for n, t in cast.items()})
    shard_dir = os.path.join(d, "sharded")
    os.makedirs(shard_dir, exist_ok=True)
    names = list(sd.keys())
    half = len(names) // 2
    weight_map, total = {}, 0
    for i, part in enumerate((names[:half], names[half:])):
        fname = f"model-{i + 1:05d}-of-00002.safetensors"
        write_safetensors(os.path.join(shard_dir, fname), {n: sd[n] for n in part}, {"format": "pt"})
        for n in part:
            weight_map[n] = fname
            total += sd[n].numel() * 4
    with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(shard_dir, "config.json"), "w") as f:
        json.dump(hf_config(tied), f, indent=2)
        f.write("\n")
    # Untied lm_head, head_dim != hidden/heads, one KV head shared by 3 query heads, ignored labels.
    untied = dict(vocab_size=48, hidden_size=16, intermediate_size=20, num_hidden_layers=2, num_attention_heads=3,
                  num_key_value_heads=1, head_dim=6, max_position_embeddings=64, rms_norm_eps=1e-5,
                  rope_theta=1e6, tie_word_embeddings=False)
    make_case("untied", untied, B=3, T=5, seed=99, ignore_positions=[(0, 2), (1, 4), (2, 0), (2, 1)])
    # nn.Embedding(padding_idx): the lookup sends no gradient to the pad row; the tied lm_head still does
    padded = dict(tied, vocab_size=24, num_hidden_layers=1, pad_token_id=5)
    make_case("padded", padded, B=2, T=6, seed=7, ignore_positions=[], pad_positions=[(0, 0), (0, 3), (1, 5)])

if __name__ == "__main__":
    main()
