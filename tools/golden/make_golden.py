#!/usr/bin/env python3
"""Independent PyTorch reference for alignspark's LM engine.

Builds tiny random GPT-2, Llama, Qwen2, Qwen3, Mistral, Phi-3 and Gemma 2 checkpoints in the Hugging Face layout
(config.json + model.safetensors) and computes golden outputs (logits, log-probs,
final hidden states) with plain torch modules written from the architectures'
published definitions (GPT-2: Radford et al. 2019 / HF GPT2LMHeadModel layout;
Llama: Touvron et al. 2023 / HF LlamaForCausalLM layout; Qwen2: HF Qwen2ForCausalLM;
Qwen3: Qwen3 Technical Report 2025 / HF Qwen3ForCausalLM layout; Mistral: Jiang et al. 2023 /
HF MistralForCausalLM layout; Phi-3: Abdin et al. 2024 / HF Phi3ForCausalLM layout; Gemma 2: Gemma Team
2024 / HF Gemma2ForCausalLM layout).
It does not import `transformers` or `safetensors`, and it was written without
looking at the Java engine.

Golden outputs are computed in float64 from the float32 weights stored in the
checkpoint and then rounded to float32, so they are the "exact" answer for the
stored weights; a correct float32 implementation should be within ~1e-6 of them.

Usage:
    /usr/bin/python3 tools/golden/make_golden.py --out common/src/test/resources/golden

Only torch and numpy are needed (Debian: python3-torch, python3-numpy).
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# --------------------------------------------------------------------------------------
# safetensors (written by hand: no `safetensors` package)
# --------------------------------------------------------------------------------------

_ST_DTYPES = {
    np.dtype("float32"): "F32",
    np.dtype("float64"): "F64",
    np.dtype("int64"): "I64",
    np.dtype("int32"): "I32",
}
_ST_NP = {v: k for k, v in _ST_DTYPES.items()}


def write_safetensors(path, tensors, metadata=None):
    """tensors: ordered dict name -> numpy array (C-contiguous, little-endian on write).

    Layout: u64 LE header length N, then N bytes of JSON (padded with spaces to a
    multiple of 8), then the raw data; data_offsets are relative to the first byte
    after the header. Tensors are laid out in the order given, without gaps.
    """
    header = {}
    blobs = []
    offset = 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        dt = _ST_DTYPES[arr.dtype]
        raw = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
        header[name] = {"dtype": dt, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata is not None:
        header = {"__metadata__": metadata, **header}
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Returns (dict name -> numpy array, metadata). Validates offsets strictly."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", None)
    body = data[8 + n:]
    out = {}
    spans = []
    for name, info in header.items():
        dt = _ST_NP[info["dtype"]].newbyteorder("<")
        s, e = info["data_offsets"]
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        assert e - s == count * dt.itemsize, (name, s, e, count)
        out[name] = np.frombuffer(body[s:e], dtype=dt).reshape(info["shape"]).astype(dt.newbyteorder("="))
        spans.append((s, e))
    spans.sort()
    pos = 0
    for s, e in spans:
        assert s == pos, "gap or overlap in safetensors data"
        pos = e
    assert pos == len(body), "trailing bytes in safetensors file"
    return out, meta


# --------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------

def attention(q, k, v, attention_mask, scale, window=None, softcap=None):
    """q: [B,H,T,Dh], k/v: [B,H,T,Dh]; attention_mask: [B,T] of 0/1 (1 = real token).

    Causal self-attention; with a sliding window W (Mistral 7B, Jiang et al. 2023 §2: "each token can attend
    to at most W tokens from the previous layer"), query i also sees only keys j > i - W, its own included:
    transformers' masking_utils.sliding_window_overlay is `kv_idx > q_idx - sliding_window`, with i and j the
    indices in the padded row. Disallowed (future or padded) keys get the most negative
    finite value before softmax (as HF does), so rows with no allowed key (pad queries
    in a left-padded row) give a finite but meaningless result instead of NaN.
    """
    T = q.shape[-2]
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if softcap is not None:
        scores = torch.tanh(scores / softcap) * softcap
    causal = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
    if window is not None:
        idx = torch.arange(T, device=q.device)
        causal = causal & (idx[None, :] > idx[:, None] - window)      # [q, k]
    allowed = causal[None, None, :, :] & attention_mask.bool()[:, None, None, :]
    scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
    probs = torch.softmax(scores, dim=-1)
    return torch.matmul(probs, v)


def position_ids_from_mask(attention_mask):
    """HF generate() convention: position of a token = number of real tokens before it.
    position_ids = cumsum(mask) - 1, and 0 at pad positions."""
    pos = attention_mask.long().cumsum(-1) - 1
    return pos.masked_fill(attention_mask == 0, 0)


# --------------------------------------------------------------------------------------
# GPT-2
# --------------------------------------------------------------------------------------

def gelu_new(x):
    # GPT-2 "gelu_new": tanh approximation of GELU.
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Conv1D(nn.Module):
    """GPT-2's Conv1D: y = x @ W + b with W stored as [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n_out))

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class GPT2Attention(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn = Conv1D(d, 3 * d)   # q, k, v concatenated along the output dim
        self.c_proj = Conv1D(d, d)

    def forward(self, x, mask):
        B, T, d = x.shape
        H = self.n_head
        Dh = d // H
        qkv = self.c_attn(x)
        q, k, v = qkv.split(d, dim=-1)
        # head h takes features [h*Dh, (h+1)*Dh) of q / k / v
        q, k, v = (t.view(B, T, H, Dh).transpose(1, 2) for t in (q, k, v))
        a = attention(q, k, v, mask, 1.0 / math.sqrt(Dh))
        a = a.transpose(1, 2).reshape(B, T, d)
        return self.c_proj(a)


class GPT2MLP(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.c_fc = Conv1D(d, inner)
        self.c_proj = Conv1D(inner, d)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, d, n_head, inner, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = GPT2Attention(d, n_head)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = GPT2MLP(d, inner)

    def forward(self, x, mask):
        x = x + self.attn(self.ln_1(x), mask)
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT2(nn.Module):
    """GPT2LMHeadModel with the official checkpoint's (unprefixed) parameter names."""

    def __init__(self, cfg):
        super().__init__()
        d = cfg["n_embd"]
        inner = cfg["n_inner"] or 4 * d
        self.wte = nn.Embedding(cfg["vocab_size"], d)
        self.wpe = nn.Embedding(cfg["n_positions"], d)
        self.h = nn.ModuleList([GPT2Block(d, cfg["n_head"], inner, cfg["layer_norm_epsilon"])
                                for _ in range(cfg["n_layer"])])
        self.ln_f = nn.LayerNorm(d, eps=cfg["layer_norm_epsilon"])

    def forward(self, input_ids, attention_mask, position_ids):
        x = self.wte(input_ids) + self.wpe(position_ids)
        for blk in self.h:
            x = blk(x, attention_mask)
        hidden = self.ln_f(x)
        logits = torch.matmul(hidden, self.wte.weight.t())   # tied LM head
        return hidden, logits


# --------------------------------------------------------------------------------------
# Llama / Qwen2
# --------------------------------------------------------------------------------------

class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        dtype = x.dtype
        h = x.to(torch.float32) if dtype not in (torch.float32, torch.float64) else x
        var = h.pow(2).mean(-1, keepdim=True)
        h = h * torch.rsqrt(var + self.eps)
        return self.weight * h.to(dtype)


def rotate_half(x):
    """HF convention: split the head dim in two halves (x1, x2) -> (-x2, x1)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat((-x2, x1), dim=-1)


def rope_cos_sin(position_ids, head_dim, theta, dtype):
    """position_ids [B,T] -> cos, sin [B,T,head_dim]; inv_freq_i = theta^(-2i/head_dim).
    Angles are formed in float64 here (the golden values are the exact ones)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    freqs = position_ids.to(torch.float64)[..., None] * inv_freq[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def apply_rope(x, cos, sin):
    # x [B,H,T,Dh], cos/sin [B,T,Dh]
    cos = cos[:, None, :, :]
    sin = sin[:, None, :, :]
    return x * cos + rotate_half(x) * sin


class LlamaAttention(nn.Module):
    """Llama attention; qk_norm adds Qwen3's RMSNorm over each query and key head (gain of size head_dim,
    eps rms_norm_eps) applied before RoPE. head_dim is the config's when it has one (Qwen3: may differ from
    hidden_size / heads; q_proj is [H*head_dim, d], o_proj [d, H*head_dim])."""

    def __init__(self, cfg, qkv_bias, qk_norm=False, sliding=False):
        super().__init__()
        d = cfg["hidden_size"]
        self.window = cfg.get("sliding_window") if sliding else None
        self.H = cfg["num_attention_heads"]
        self.KV = cfg["num_key_value_heads"]
        self.Dh = cfg.get("head_dim") or d // self.H
        self.theta = cfg["rope_theta"]
        self.q_proj = nn.Linear(d, self.H * self.Dh, bias=qkv_bias)
        self.k_proj = nn.Linear(d, self.KV * self.Dh, bias=qkv_bias)
        self.v_proj = nn.Linear(d, self.KV * self.Dh, bias=qkv_bias)
        self.o_proj = nn.Linear(self.H * self.Dh, d, bias=False)
        if qk_norm:
            self.q_norm = RMSNorm(self.Dh, cfg["rms_norm_eps"])
            self.k_norm = RMSNorm(self.Dh, cfg["rms_norm_eps"])
        else:
            self.q_norm = self.k_norm = None

    def forward(self, x, mask, position_ids):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.Dh)
        k = self.k_proj(x).view(B, T, self.KV, self.Dh)
        if self.q_norm is not None:          # per head, over head_dim, before RoPE
            q, k = self.q_norm(q), self.k_norm(k)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.KV, self.Dh).transpose(1, 2)
        cos, sin = rope_cos_sin(position_ids, self.Dh, self.theta, x.dtype)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        # GQA: query head h uses kv head h // (H / KV)  (HF repeat_kv = repeat_interleave)
        n_rep = self.H // self.KV
        k = k.repeat_interleave(n_rep, dim=1)
        v = v.repeat_interleave(n_rep, dim=1)
        a = attention(q, k, v, mask, 1.0 / math.sqrt(self.Dh), self.window)
        a = a.transpose(1, 2).reshape(B, T, self.H * self.Dh)
        return self.o_proj(a)


class LlamaMLP(nn.Module):
    def __init__(self, d, inter):
        super().__init__()
        self.gate_proj = nn.Linear(d, inter, bias=False)
        self.up_proj = nn.Linear(d, inter, bias=False)
        self.down_proj = nn.Linear(inter, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaLayer(nn.Module):
    def __init__(self, cfg, qkv_bias, qk_norm=False, sliding=False):
        super().__init__()
        d = cfg["hidden_size"]
        self.input_layernorm = RMSNorm(d, cfg["rms_norm_eps"])
        self.self_attn = LlamaAttention(cfg, qkv_bias, qk_norm, sliding)
        self.post_attention_layernorm = RMSNorm(d, cfg["rms_norm_eps"])
        self.mlp = LlamaMLP(d, cfg["intermediate_size"])

    def forward(self, x, mask, position_ids):
        x = x + self.self_attn(self.input_layernorm(x), mask, position_ids)
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x


class LlamaBody(nn.Module):
    def __init__(self, cfg, qkv_bias, qk_norm=False, sliding=False):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([LlamaLayer(cfg, qkv_bias, qk_norm, sliding)
                                     for _ in range(cfg["num_hidden_layers"])])
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class Llama(nn.Module):
    """LlamaForCausalLM (qkv_bias=False) / Qwen2ForCausalLM (qkv_bias=True) / Qwen3ForCausalLM (qk_norm=True) /
    MistralForCausalLM (sliding=True: every layer attends through config sliding_window)."""

    def __init__(self, cfg, qkv_bias, qk_norm=False, sliding=False):
        super().__init__()
        self.tied = cfg["tie_word_embeddings"]
        self.model = LlamaBody(cfg, qkv_bias, qk_norm, sliding)
        if not self.tied:
            self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)

    def forward(self, input_ids, attention_mask, position_ids):
        x = self.model.embed_tokens(input_ids)
        for layer in self.model.layers:
            x = layer(x, attention_mask, position_ids)
        hidden = self.model.norm(x)
        w = self.model.embed_tokens.weight if self.tied else self.lm_head.weight
        return hidden, torch.matmul(hidden, w.t())


# --------------------------------------------------------------------------------------
# Phi-3
# --------------------------------------------------------------------------------------

class Phi3Attention(nn.Module):
    """Phi-3 attention: one qkv_proj [H*Dh + 2*KV*Dh, d] whose output rows are [q | k | v], no biases,
    RoPE as Llama, sliding_window in every layer."""

    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.H = cfg["num_attention_heads"]
        self.KV = cfg["num_key_value_heads"]
        self.Dh = d // self.H
        self.theta = cfg["rope_theta"]
        self.window = cfg.get("sliding_window")
        self.qkv_proj = nn.Linear(d, (self.H + 2 * self.KV) * self.Dh, bias=False)
        self.o_proj = nn.Linear(self.H * self.Dh, d, bias=False)

    def forward(self, x, mask, position_ids):
        B, T, _ = x.shape
        qkv = self.qkv_proj(x)
        q_end, k_end = self.H * self.Dh, (self.H + self.KV) * self.Dh
        q = qkv[..., :q_end].view(B, T, self.H, self.Dh).transpose(1, 2)
        k = qkv[..., q_end:k_end].view(B, T, self.KV, self.Dh).transpose(1, 2)
        v = qkv[..., k_end:].view(B, T, self.KV, self.Dh).transpose(1, 2)
        cos, sin = rope_cos_sin(position_ids, self.Dh, self.theta, x.dtype)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        n_rep = self.H // self.KV
        k, v = k.repeat_interleave(n_rep, dim=1), v.repeat_interleave(n_rep, dim=1)
        a = attention(q, k, v, mask, 1.0 / math.sqrt(self.Dh), self.window)
        return self.o_proj(a.transpose(1, 2).reshape(B, T, self.H * self.Dh))


class Phi3MLP(nn.Module):
    """gate_up_proj [2*inter, d]: the first `inter` output rows are the gate, the rest the up projection."""

    def __init__(self, d, inter):
        super().__init__()
        self.gate_up_proj = nn.Linear(d, 2 * inter, bias=False)
        self.down_proj = nn.Linear(inter, d, bias=False)

    def forward(self, x):
        gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
        return self.down_proj(up * F.silu(gate))


class Phi3Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.self_attn = Phi3Attention(cfg)
        self.mlp = Phi3MLP(d, cfg["intermediate_size"])
        self.input_layernorm = RMSNorm(d, cfg["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(d, cfg["rms_norm_eps"])

    def forward(self, x, mask, position_ids):
        x = x + self.self_attn(self.input_layernorm(x), mask, position_ids)
        return x + self.mlp(self.post_attention_layernorm(x))


class Phi3Body(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([Phi3Layer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class Phi3(nn.Module):
    """Phi3ForCausalLM, untied lm_head."""

    def __init__(self, cfg):
        super().__init__()
        self.model = Phi3Body(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)

    def forward(self, input_ids, attention_mask, position_ids):
        x = self.model.embed_tokens(input_ids)
        for layer in self.model.layers:
            x = layer(x, attention_mask, position_ids)
        hidden = self.model.norm(x)
        return hidden, torch.matmul(hidden, self.lm_head.weight.t())


# --------------------------------------------------------------------------------------
# Gemma 2
# --------------------------------------------------------------------------------------

class GemmaRMSNorm(nn.Module):
    """Gemma's RMSNorm: x / sqrt(mean(x^2) + eps) * (1 + w), w stored (and initialised) around 0."""

    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return h * (1.0 + self.weight)


def gelu_tanh(x):
    # gelu_pytorch_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Gemma2Attention(nn.Module):
    """Scores scaled by query_pre_attn_scalar^-1/2, soft-capped by attn_logit_softcapping; layers with an even
    index use the sliding window, odd ones attend globally. head_dim from the config."""

    def __init__(self, cfg, layer_idx):
        super().__init__()
        d = cfg["hidden_size"]
        self.H = cfg["num_attention_heads"]
        self.KV = cfg["num_key_value_heads"]
        self.Dh = cfg["head_dim"]
        self.theta = cfg["rope_theta"]
        self.scaling = cfg["query_pre_attn_scalar"] ** -0.5
        self.softcap = cfg["attn_logit_softcapping"]
        self.window = cfg["sliding_window"] if layer_idx % 2 == 0 else None
        self.q_proj = nn.Linear(d, self.H * self.Dh, bias=False)
        self.k_proj = nn.Linear(d, self.KV * self.Dh, bias=False)
        self.v_proj = nn.Linear(d, self.KV * self.Dh, bias=False)
        self.o_proj = nn.Linear(self.H * self.Dh, d, bias=False)

    def forward(self, x, mask, position_ids):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.Dh).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.KV, self.Dh).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.KV, self.Dh).transpose(1, 2)
        cos, sin = rope_cos_sin(position_ids, self.Dh, self.theta, x.dtype)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        n_rep = self.H // self.KV
        k, v = k.repeat_interleave(n_rep, dim=1), v.repeat_interleave(n_rep, dim=1)
        a = attention(q, k, v, mask, self.scaling, self.window, self.softcap)
        return self.o_proj(a.transpose(1, 2).reshape(B, T, self.H * self.Dh))


class Gemma2MLP(nn.Module):
    def __init__(self, d, inter):
        super().__init__()
        self.gate_proj = nn.Linear(d, inter, bias=False)
        self.up_proj = nn.Linear(d, inter, bias=False)
        self.down_proj = nn.Linear(inter, d, bias=False)

    def forward(self, x):
        return self.down_proj(gelu_tanh(self.gate_proj(x)) * self.up_proj(x))


class Gemma2Layer(nn.Module):
    """Sandwich norms: x + post_attn_norm(attn(input_norm(x))), then h + post_ff_norm(mlp(pre_ff_norm(h)))."""

    def __init__(self, cfg, layer_idx):
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["rms_norm_eps"]
        self.self_attn = Gemma2Attention(cfg, layer_idx)
        self.mlp = Gemma2MLP(d, cfg["intermediate_size"])
        self.input_layernorm = GemmaRMSNorm(d, eps)
        self.post_attention_layernorm = GemmaRMSNorm(d, eps)
        self.pre_feedforward_layernorm = GemmaRMSNorm(d, eps)
        self.post_feedforward_layernorm = GemmaRMSNorm(d, eps)

    def forward(self, x, mask, position_ids):
        x = x + self.post_attention_layernorm(self.self_attn(self.input_layernorm(x), mask, position_ids))
        return x + self.post_feedforward_layernorm(self.mlp(self.pre_feedforward_layernorm(x)))


class Gemma2Body(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([Gemma2Layer(cfg, i) for i in range(cfg["num_hidden_layers"])])
        self.norm = GemmaRMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class Gemma2(nn.Module):
    """Gemma2ForCausalLM: embeddings times sqrt(hidden_size) (a tensor of the embeddings' dtype), tied lm_head,
    final logits soft-capped by final_logit_softcapping."""

    def __init__(self, cfg):
        super().__init__()
        self.d = cfg["hidden_size"]
        self.final_softcap = cfg["final_logit_softcapping"]
        self.model = Gemma2Body(cfg)

    def forward(self, input_ids, attention_mask, position_ids):
        x = self.model.embed_tokens(input_ids)
        x = x * torch.tensor(self.d ** 0.5, dtype=x.dtype)
        for layer in self.model.layers:
            x = layer(x, attention_mask, position_ids)
        hidden = self.model.norm(x)
        logits = torch.matmul(hidden, self.model.embed_tokens.weight.t())
        if self.final_softcap is not None:
            logits = torch.tanh(logits / self.final_softcap) * self.final_softcap
        return hidden, logits


# --------------------------------------------------------------------------------------
# Configs (as HF's save_pretrained writes them: sorted keys, indent 2)
# --------------------------------------------------------------------------------------

TRANSFORMERS_VERSION = "4.46.3"   # nominal; only recorded in config.json

GPT2_CONFIG = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.1,
    "bos_token_id": 95,
    "embd_pdrop": 0.1,
    "eos_token_id": 95,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_embd": 32,
    "n_head": 4,
    "n_inner": None,
    "n_layer": 2,
    "n_positions": 32,
    "reorder_and_upcast_attn": False,
    "resid_pdrop": 0.1,
    "scale_attn_by_inverse_layer_idx": False,
    "scale_attn_weights": True,
    "summary_activation": None,
    "summary_first_dropout": 0.1,
    "summary_proj_to_labels": True,
    "summary_type": "cls_index",
    "summary_use_proj": True,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
    "transformers_version": TRANSFORMERS_VERSION,
    "use_cache": True,
    "vocab_size": 96,
}

LLAMA_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "head_dim": 8,
    "hidden_act": "silu",
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "max_position_embeddings": 64,
    "mlp_bias": False,
    "model_type": "llama",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "num_key_value_heads": 2,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "transformers_version": TRANSFORMERS_VERSION,
    "use_cache": True,
    "vocab_size": 96,
}

# Qwen2: q/k/v projections have biases (hard-wired in HF's Qwen2Attention; the config has
# no attention_bias key), o_proj has none. This variant ties lm_head to embed_tokens (like
# Qwen2-0.5B), so model.safetensors has NO lm_head.weight. It also uses a different
# rope_theta (1e6) and multi-query attention (1 kv head) to exercise those config values.
QWEN2_CONFIG = {
    "architectures": ["Qwen2ForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "max_position_embeddings": 64,
    "max_window_layers": 2,
    "model_type": "qwen2",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "num_key_value_heads": 1,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 1000000.0,
    "sliding_window": None,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
    "transformers_version": TRANSFORMERS_VERSION,
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 96,
}

# Qwen3 (as Qwen3-0.6B's config.json, shrunk): q_norm/k_norm over each head, no q/k/v biases
# (attention_bias false), an explicit head_dim 12 that differs from hidden_size / heads = 8 (so
# q_proj is [48, 32] and o_proj [32, 48]), tied embeddings, rope_theta 1e6, GQA 4 heads / 2 kv heads.
QWEN3_CONFIG = {
    "architectures": ["Qwen3ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "head_dim": 12,
    "hidden_act": "silu",
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "max_position_embeddings": 64,
    "max_window_layers": 2,
    "model_type": "qwen3",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 1000000.0,
    "sliding_window": None,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
    "transformers_version": TRANSFORMERS_VERSION,
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 96,
}

# Mistral (as Mistral-7B-v0.1's config.json, shrunk): Llama's layout, no biases, untied lm_head,
# rms_norm_eps 1e-5, and sliding_window 3, so that with T = 7 the window hides keys i - 3 and older.
MISTRAL_CONFIG = {
    "architectures": ["MistralForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "head_dim": 8,
    "hidden_act": "silu",
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "max_position_embeddings": 64,
    "model_type": "mistral",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0,
    "sliding_window": 3,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "transformers_version": TRANSFORMERS_VERSION,
    "use_cache": True,
    "vocab_size": 96,
}

# Phi-3 (as Phi-3-mini-4k-instruct's config.json, shrunk; GQA as Phi-3-medium): fused qkv_proj [64, 32]
# (q 32 rows, k 16, v 16) and gate_up_proj [128, 32] (gate 64 rows, then up 64), no biases, untied
# lm_head, rms_norm_eps 1e-5, sliding_window 4.
PHI3_CONFIG = {
    "architectures": ["Phi3ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 1,
    "embd_pdrop": 0.0,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "max_position_embeddings": 64,
    "model_type": "phi3",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "num_key_value_heads": 2,
    "original_max_position_embeddings": 64,
    "pad_token_id": 0,
    "resid_pdrop": 0.0,
    "rms_norm_eps": 1e-05,
    "rope_scaling": None,
    "rope_theta": 10000.0,
    "sliding_window": 4,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "transformers_version": TRANSFORMERS_VERSION,
    "use_cache": True,
    "vocab_size": 96,
}

# Gemma 2 (as gemma-2-2b's config.json, shrunk): head_dim 16 != 32/4, query_pre_attn_scalar 24 (neither
# head_dim nor d/H), sliding_window 3 in layers 0 and 2 (layer 1 global), tied embeddings. The soft caps are
# scaled down from 50 / 30 so that they bend this tiny model's scores and logits measurably.
GEMMA2_CONFIG = {
    "architectures": ["Gemma2ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "attn_logit_softcapping": 1.0,
    "bos_token_id": 2,
    "cache_implementation": "hybrid",
    "eos_token_id": 1,
    "final_logit_softcapping": 2.0,
    "head_dim": 16,
    "hidden_act": "gelu_pytorch_tanh",
    "hidden_activation": "gelu_pytorch_tanh",
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "max_position_embeddings": 64,
    "model_type": "gemma2",
    "num_attention_heads": 4,
    "num_hidden_layers": 3,
    "num_key_value_heads": 2,
    "pad_token_id": 0,
    "query_pre_attn_scalar": 24,
    "rms_norm_eps": 1e-06,
    "rope_theta": 10000.0,
    "sliding_window": 3,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
    "transformers_version": TRANSFORMERS_VERSION,
    "use_cache": True,
    "vocab_size": 96,
}


# --------------------------------------------------------------------------------------
# Random init (fixed seeds)
# --------------------------------------------------------------------------------------

# Embedding rows of these tokens are scaled down (x0.01) so that the first norm sees an
# input with a tiny mean square and the norm epsilon visibly matters for them.
SMALL_TOKENS = (42, 8)


def init_params(model, seed, weight_std, embed_std, pos_std=0.02, norm_center=1.0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.split(".")[-1]
            is_norm = any(s in name for s in ("ln_", "layernorm", "norm."))
            if is_norm and leaf == "weight":
                p.copy_(norm_center + 0.2 * torch.randn(p.shape, generator=g))   # a gain around 1
            elif leaf == "bias":
                p.copy_(0.1 * torch.randn(p.shape, generator=g))            # small, nonzero
            elif "wpe" in name:
                p.copy_(pos_std * torch.randn(p.shape, generator=g))
            elif "wte" in name or "embed_tokens" in name:
                p.copy_(embed_std * torch.randn(p.shape, generator=g))
                for tok in SMALL_TOKENS:
                    p[tok].mul_(0.01)
            else:
                p.copy_(weight_std * torch.randn(p.shape, generator=g))


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------

B, T = 2, 7
N_PAD = 2
# Fixed token ids (vocab 96). Pad positions hold ordinary, non-zero junk ids on purpose:
# a correct implementation must ignore them through the mask alone.
INPUT_IDS = [[5, 17, 42, 3, 88, 61, 29],
             [70, 11, 94, 36, 8, 23, 50]]
MASK = [[1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 0, 0]]           # row 1 right-padded: last 2 positions are padding
# Left-padded batch: row 0 = same full sequence as INPUT_IDS[0]; row 1 = the 5 real
# tokens of INPUT_IDS[1] shifted right behind 2 pads (junk ids again).
INPUT_IDS_LEFT = [INPUT_IDS[0],
                  [77, 31] + INPUT_IDS[1][:T - N_PAD]]
MASK_LEFT = [[1] * T,
             [0] * N_PAD + [1] * (T - N_PAD)]


def token_log_probs(logits, input_ids):
    """log_probs[b, j] = log_softmax(logits[b, j])[input_ids[b, j+1]], j in [0, T-1)."""
    lp = torch.log_softmax(logits[:, :-1, :], dim=-1)
    return lp.gather(-1, input_ids[:, 1:, None]).squeeze(-1)


def run(model, ids, mask):
    pos = position_ids_from_mask(mask)
    hidden, logits = model(ids, mask, pos)
    return hidden, logits, token_log_probs(logits, ids), pos


# --------------------------------------------------------------------------------------
# Sanity checks of the reference itself
# --------------------------------------------------------------------------------------

def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    print("  ok:", msg)


def unit_checks():
    print("unit checks")
    # RMSNorm by hand: x = [1, 2, 3, 4], mean(x^2) = 7.5
    n = RMSNorm(4, 1e-6).double()
    with torch.no_grad():
        n.weight.copy_(torch.tensor([1.0, 2.0, 0.5, -1.0], dtype=torch.float64))
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=torch.float64)
    r = 1.0 / math.sqrt(7.5 + 1e-6)
    expect = torch.tensor([[1 * r * 1.0, 2 * r * 2.0, 3 * r * 0.5, 4 * r * -1.0]], dtype=torch.float64)
    check(torch.allclose(n(x), expect, atol=1e-14), "RMSNorm matches hand computation")
    # rotate_half by hand
    rh = rotate_half(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    check(rh.tolist() == [-4.0, -5.0, -6.0, 1.0, 2.0, 3.0], "rotate_half([1..6]) == [-4,-5,-6,1,2,3]")
    # RoPE by hand: head_dim 4, theta 100, position 3: inv_freq = [1, 0.1]
    pos = torch.tensor([[3]])
    cos, sin = rope_cos_sin(pos, 4, 100.0, torch.float64)
    q = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64).view(1, 1, 1, 4)
    out = apply_rope(q, cos, sin).view(4)
    a0, a1 = 3.0, 0.3
    # pairs are (i, i + 2): (q0, q2) rotated by a0, (q1, q3) by a1
    exp = [1 * math.cos(a0) - 3 * math.sin(a0), 2 * math.cos(a1) - 4 * math.sin(a1),
           3 * math.cos(a0) + 1 * math.sin(a0), 4 * math.cos(a1) + 2 * math.sin(a1)]
    check(max(abs(u - v) for u, v in zip(out.tolist(), exp)) < 1e-14, "RoPE matches hand computation")
    # RoPE is a rotation: relative-position property q(m).k(n) depends on m-n only
    qv = torch.randn(1, 1, 1, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    kv = torch.randn(1, 1, 1, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(2))

    def dot(m, n_):
        cm, sm = rope_cos_sin(torch.tensor([[m]]), 8, 10000.0, torch.float64)
        cn, sn = rope_cos_sin(torch.tensor([[n_]]), 8, 10000.0, torch.float64)
        return float((apply_rope(qv, cm, sm) * apply_rope(kv, cn, sn)).sum())
    check(abs(dot(5, 2) - dot(13, 10)) < 1e-12, "RoPE dot product depends only on relative position")
    # gelu_new by hand at x = 1
    g1 = 0.5 * (1 + math.tanh(math.sqrt(2 / math.pi) * (1 + 0.044715)))
    check(abs(float(gelu_new(torch.tensor(1.0, dtype=torch.float64))) - g1) < 1e-15, "gelu_new(1)")
    # LayerNorm (torch's) is the biased-variance one GPT-2 uses
    ln = nn.LayerNorm(4, eps=1e-5).double()
    y = ln(x)
    mu, var = 2.5, 1.25
    check(torch.allclose(y, (x - mu) / math.sqrt(var + 1e-5), atol=1e-14), "LayerNorm biased variance")
    # safetensors round trip incl. odd sizes and int64
    import tempfile
    with tempfile.TemporaryDirectory() as td:
        p = os.path.join(td, "t.safetensors")
        ts = {"a": np.arange(7, dtype=np.float32).reshape(7), "b": np.arange(6, dtype=np.int64).reshape(2, 3),
              "c": np.float32(np.random.RandomState(0).randn(3, 5))}
        write_safetensors(p, ts, {"format": "pt"})
        with open(p, "rb") as f:
            (n_,) = struct.unpack("<Q", f.read(8))
        check(n_ % 8 == 0, "safetensors header length is a multiple of 8")
        back, meta = read_safetensors(p)
        check(meta == {"format": "pt"} and all(np.array_equal(ts[k], back[k]) and ts[k].dtype == back[k].dtype
                                               for k in ts), "safetensors round trip")


def model_checks(name, model64, cfg):
    print(f"model checks: {name}")
    vocab = cfg["vocab_size"]
    g = torch.Generator().manual_seed(123)
    ids = torch.randint(0, vocab, (2, 9), generator=g)
    ones = torch.ones_like(ids)
    _, lg, _, _ = run(model64, ids, ones)
    # causality: changing tokens after t leaves logits at <= t unchanged
    ids2 = ids.clone()
    ids2[:, 5:] = (ids2[:, 5:] + 7) % vocab
    _, lg2, _, _ = run(model64, ids2, ones)
    check(torch.equal(lg[:, :5], lg2[:, :5]), "causal: logits at t<5 unchanged when tokens >=5 change")
    check((lg[:, 5:] - lg2[:, 5:]).abs().max() > 1e-3, "logits at t>=5 do change")
    # padding: junk under mask=0 does not affect real positions (right and left)
    mask = ones.clone()
    mask[1, 7:] = 0
    _, a, _, _ = run(model64, ids, mask)
    ids3 = ids.clone()
    ids3[1, 7:] = (ids3[1, 7:] + 3) % vocab
    _, b, _, _ = run(model64, ids3, mask)
    check(torch.equal(a[1, :7], b[1, :7]) and torch.equal(a[0], b[0]), "right-pad junk ignored")
    # left padding with mask-derived positions == unpadded sequence
    left = torch.cat([torch.tensor([[9, 4]]), ids[1:, :7]], dim=1)
    lmask = torch.tensor([[0, 0] + [1] * 7])
    _, c, _, _ = run(model64, left, lmask)
    _, d, _, _ = run(model64, ids[1:, :7], torch.ones(1, 7, dtype=torch.long))
    check((c[0, 2:] - d[0]).abs().max() < 1e-12, "left-padded row with cumsum positions == unpadded row")
    # batched == single
    _, e, _, _ = run(model64, ids[:1], ones[:1])
    check((e[0] - lg[0]).abs().max() < 1e-12, "batched == single row")


# --------------------------------------------------------------------------------------
# Mutation sensitivity: typical bugs must move valid logits by clearly more than 1e-4
# --------------------------------------------------------------------------------------

def valid_max_diff(a, b, mask):
    m = mask.bool()[..., None].expand_as(a)
    return float((a - b).abs()[m].max())


def mutation_report(kind, model64, cfg, ids, mask, ids_l, mask_l, base, base_l):
    import copy
    import types
    global gelu_new, rotate_half, position_ids_from_mask
    results = {}

    def measure(label, fn, left=False):
        out = fn()
        if left:
            results[label] = valid_max_diff(out, base_l, mask_l)
        else:
            results[label] = valid_max_diff(out, base, mask)

    def fwd(m, i=ids, k=mask):
        return run(m, i, k)[1]

    if kind == "gpt2":
        saved = gelu_new
        gelu_new = lambda x: F.gelu(x)          # exact erf GELU instead of tanh approx
        measure("gelu erf instead of tanh", lambda: fwd(model64))
        gelu_new = saved
        m = copy.deepcopy(model64)
        with torch.no_grad():
            for blk in m.h:
                blk.attn.c_proj.weight.copy_(blk.attn.c_proj.weight.t().clone())
        measure("attn.c_proj weight not transposed ([in,out] vs [out,in])", lambda: fwd(m))
        m = copy.deepcopy(model64)
        with torch.no_grad():
            for blk in m.h:
                blk.ln_1.bias.zero_()
        measure("ln_1 bias ignored", lambda: fwd(m))
        m = copy.deepcopy(model64)
        for blk in m.h:
            blk.ln_1.eps = 1e-6
            blk.ln_2.eps = 1e-6
        m.ln_f.eps = 1e-6
        measure("layer_norm_epsilon 1e-6 instead of 1e-5", lambda: fwd(m))
    else:
        saved = rotate_half

        def interleaved(x):
            x1, x2 = x[..., 0::2], x[..., 1::2]
            return torch.stack((-x2, x1), dim=-1).flatten(-2)
        rotate_half = interleaved
        measure("RoPE interleaved pairs instead of rotate_half", lambda: fwd(model64))
        rotate_half = saved
        m = copy.deepcopy(model64)
        for layer in m.model.layers:
            layer.self_attn.theta = 10000.0 if cfg["rope_theta"] != 10000.0 else 1e6
        measure("wrong rope_theta", lambda: fwd(m))
        m = copy.deepcopy(model64)
        other = 1e-5 if cfg["rms_norm_eps"] != 1e-5 else 1e-6
        for layer in m.model.layers:
            layer.input_layernorm.eps = other
            layer.post_attention_layernorm.eps = other
        m.model.norm.eps = other
        measure(f"rms_norm_eps {other:.0e} instead of {cfg['rms_norm_eps']:.0e}".replace("e-0", "e-"), lambda: fwd(m))
        m = copy.deepcopy(model64)
        with torch.no_grad():
            m.model.norm.weight.fill_(1.0)
        measure("final norm weight ignored", lambda: fwd(m))
        if kind == "qwen3":
            m = copy.deepcopy(model64)
            for layer in m.model.layers:
                layer.self_attn.q_norm = nn.Identity()
                layer.self_attn.k_norm = nn.Identity()
            measure("q_norm/k_norm ignored", lambda: fwd(m))
            m = copy.deepcopy(model64)
            with torch.no_grad():
                for layer in m.model.layers:
                    layer.self_attn.k_norm.weight.fill_(1.0)
            measure("k_norm weight ignored", lambda: fwd(m))
        if kind == "gemma2":
            def with_attr(setter):
                m = copy.deepcopy(model64)
                setter(m)
                return m
            measure("norm gain w instead of (1 + w)",
                    lambda: fwd(with_attr(lambda m: [setattr(mod, "forward", types.MethodType(
                        lambda self, x: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight,
                        mod)) for mod in m.modules() if isinstance(mod, GemmaRMSNorm)])))
            measure("embeddings not scaled by sqrt(d)", lambda: fwd(with_attr(lambda m: setattr(m, "d", 1.0))))
            measure("attention soft cap ignored", lambda: fwd(with_attr(
                lambda m: [setattr(l.self_attn, "softcap", None) for l in m.model.layers])))
            measure("final logit soft cap ignored", lambda: fwd(with_attr(lambda m: setattr(m, "final_softcap", None))))
            measure("scores scaled by head_dim^-1/2 instead of query_pre_attn_scalar^-1/2", lambda: fwd(with_attr(
                lambda m: [setattr(l.self_attn, "scaling", l.self_attn.Dh ** -0.5) for l in m.model.layers])))
            measure("post-attention and post-feedforward norms skipped", lambda: fwd(with_attr(
                lambda m: [(setattr(l, "post_attention_layernorm", nn.Identity()),
                            setattr(l, "post_feedforward_layernorm", nn.Identity())) for l in m.model.layers])))
            measure("sliding window in the odd layers instead of the even ones", lambda: fwd(with_attr(
                lambda m: [setattr(l.self_attn, "window", cfg["sliding_window"] if i % 2 else None)
                           for i, l in enumerate(m.model.layers)])))
            measure("sliding window ignored", lambda: fwd(with_attr(
                lambda m: [setattr(l.self_attn, "window", None) for l in m.model.layers])))
            saved_gelu = gelu_tanh

            def erf_gelu(x):
                return F.gelu(x)
            globals()["gelu_tanh"] = erf_gelu
            measure("GeGLU with erf GELU instead of tanh", lambda: fwd(model64))
            globals()["gelu_tanh"] = saved_gelu
        if kind == "phi3":
            m = copy.deepcopy(model64)
            with torch.no_grad():
                for layer in m.model.layers:
                    w = layer.mlp.gate_up_proj.weight
                    w.copy_(torch.cat(w.chunk(2, dim=0)[::-1], dim=0))
            measure("gate_up_proj halves swapped (up first)", lambda: fwd(m))
            m = copy.deepcopy(model64)
            with torch.no_grad():
                for layer in m.model.layers:
                    w = layer.self_attn.qkv_proj.weight
                    q, k, v = w.split([32, 16, 16], dim=0)
                    w.copy_(torch.cat([q, v, k], dim=0))
            measure("qkv_proj split as [q | v | k]", lambda: fwd(m))
            m = copy.deepcopy(model64)
            for layer in m.model.layers:
                layer.self_attn.window = None
            measure("sliding window ignored", lambda: fwd(m))
        if kind == "mistral":
            m = copy.deepcopy(model64)
            for layer in m.model.layers:
                layer.self_attn.window = None
            measure("sliding window ignored", lambda: fwd(m))
            m = copy.deepcopy(model64)
            for layer in m.model.layers:
                layer.self_attn.window = cfg["sliding_window"] + 1
            measure("sliding window one key wider (j >= i - W)", lambda: fwd(m))
        # the replaced forward has no q/k norms and no window
        if cfg["num_key_value_heads"] > 1 and kind not in ("qwen3", "mistral", "phi3", "gemma2"):
            import types

            def tiled_forward(self, x, mk, position_ids):
                B_, T_, _ = x.shape
                q = self.q_proj(x).view(B_, T_, self.H, self.Dh).transpose(1, 2)
                k = self.k_proj(x).view(B_, T_, self.KV, self.Dh).transpose(1, 2)
                v = self.v_proj(x).view(B_, T_, self.KV, self.Dh).transpose(1, 2)
                cos, sin = rope_cos_sin(position_ids, self.Dh, self.theta, x.dtype)
                q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
                n_rep = self.H // self.KV
                k, v = k.repeat(1, n_rep, 1, 1), v.repeat(1, n_rep, 1, 1)   # h -> h % KV (wrong)
                a = attention(q, k, v, mk, 1.0 / math.sqrt(self.Dh)).transpose(1, 2).reshape(B_, T_, -1)
                return self.o_proj(a)
            m = copy.deepcopy(model64)
            for layer in m.model.layers:
                layer.self_attn.forward = types.MethodType(tiled_forward, layer.self_attn)
            measure("GQA kv head h % KV instead of h // (H/KV)", lambda: fwd(m))
        if kind == "qwen2":
            m = copy.deepcopy(model64)
            with torch.no_grad():
                for layer in m.model.layers:
                    layer.self_attn.k_proj.bias.zero_()
            measure("k_proj bias ignored", lambda: fwd(m))
    saved = position_ids_from_mask
    position_ids_from_mask = lambda mk: torch.arange(mk.shape[1])[None, :].expand_as(mk)
    label = "left padding with arange positions instead of cumsum(mask)-1"
    if kind != "gpt2":
        label += " (RoPE is relative: a constant offset cancels, ~0 expected)"
    measure(label, lambda: fwd(model64, ids_l, mask_l), left=True)
    position_ids_from_mask = saved
    return results


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------

MODELS = {
    # name: (config, constructor, seed, weight_std, embed_std)
    "gpt2": (GPT2_CONFIG, lambda c: GPT2(c), 20240101, 0.1, 0.5),
    "llama": (LLAMA_CONFIG, lambda c: Llama(c, qkv_bias=False), 20240102, 0.1, 0.5),
    "qwen2": (QWEN2_CONFIG, lambda c: Llama(c, qkv_bias=True), 20240103, 0.1, 0.5),
    "qwen3": (QWEN3_CONFIG, lambda c: Llama(c, qkv_bias=False, qk_norm=True), 20240104, 0.1, 0.5),
    "mistral": (MISTRAL_CONFIG, lambda c: Llama(c, qkv_bias=False, sliding=True), 20240105, 0.1, 0.5),
    "phi3": (PHI3_CONFIG, lambda c: Phi3(c), 20240106, 0.1, 0.5),
    "gemma2": (GEMMA2_CONFIG, lambda c: Gemma2(c), 20240107, 0.1, 0.5),
}


def build(name):
    cfg, ctor, seed, wstd, estd = MODELS[name]
    torch.manual_seed(seed)
    model = ctor(cfg).float()
    init_params(model, seed, wstd, estd, norm_center=0.0 if name == "gemma2" else 1.0)   # Gemma: gain 1 + w
    model.eval()
    return cfg, model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder, e.g. common/src/test/resources/golden")
    ap.add_argument("--skip-checks", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if not args.skip_checks:
        unit_checks()

    summary_models = {}
    ids = torch.tensor(INPUT_IDS, dtype=torch.long)
    mask = torch.tensor(MASK, dtype=torch.long)
    ids_l = torch.tensor(INPUT_IDS_LEFT, dtype=torch.long)
    mask_l = torch.tensor(MASK_LEFT, dtype=torch.long)

    for name in MODELS:
        cfg, model32 = build(name)
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)

        # ---- checkpoint
        sd = {k: v.detach().contiguous().numpy().astype(np.float32) for k, v in model32.state_dict().items()}
        write_safetensors(os.path.join(folder, "model.safetensors"), sd, {"format": "pt"})
        with open(os.path.join(folder, "config.json"), "w") as f:
            f.write(json.dumps(cfg, indent=2, sort_keys=True) + "\n")

        # ---- reload the checkpoint we wrote and compute goldens from it in float64
        back, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
        assert set(back) == set(sd) and all(np.array_equal(back[k], sd[k]) for k in sd)
        with open(os.path.join(folder, "config.json")) as f:
            cfg_back = json.load(f)
        _, ctor, _, _, _ = MODELS[name]
        model64 = ctor(cfg_back).double()
        model64.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in back.items()}, strict=True)
        model64.eval()

        with torch.no_grad():
            if not args.skip_checks:
                model_checks(name, model64, cfg_back)
            h, lg, lp, pos = run(model64, ids, mask)
            hl, lgl, lpl, posl = run(model64, ids_l, mask_l)
            # float32 forward of the same weights: should agree with the float64 golden
            h32, lg32, lp32, _ = run(model32, ids, mask)
            f32_err = valid_max_diff(lg32.double(), lg, mask)
            # left-padded row 1 real positions == right-padded row 1 real positions
            lr = float((lgl[1, N_PAD:] - lg[1, :T - N_PAD]).abs().max())
            lr0 = float((lgl[0] - lg[0]).abs().max())
            assert lr < 1e-12 and lr0 < 1e-12, (lr, lr0)
            muts = mutation_report(name, model64, cfg_back, ids, mask, ids_l, mask_l, lg, lgl)

        print(f"{name}: float32-vs-float64 max |logit diff| (valid positions) = {f32_err:.2e}")
        print(f"{name}: logits std {float(lg.std()):.3f}, log_probs {lp[0].tolist()[:3]} ...")
        for k, v in muts.items():
            flag = "" if v > 1e-3 or "~0 expected" in k else "   <-- weakly detected" if v > 1e-4 else "   <-- NOT detected at 1e-4"
            print(f"  mutation {k}: max |logit diff| = {v:.2e}{flag}")

        golden = {
            "input_ids": ids.numpy().astype(np.int64),
            "attention_mask": mask.numpy().astype(np.int64),
            "position_ids": pos.numpy().astype(np.int64),
            "logits": lg.numpy().astype(np.float32),
            "log_probs": lp.numpy().astype(np.float32),
            "hidden_states": h.numpy().astype(np.float32),
            "input_ids_left": ids_l.numpy().astype(np.int64),
            "attention_mask_left": mask_l.numpy().astype(np.int64),
            "position_ids_left": posl.numpy().astype(np.int64),
            "logits_left": lgl.numpy().astype(np.float32),
            "log_probs_left": lpl.numpy().astype(np.float32),
            "hidden_states_left": hl.numpy().astype(np.float32),
        }
        gpath = os.path.join(folder, "golden.safetensors")
        write_safetensors(gpath, golden, {"format": "pt"})
        gback, _ = read_safetensors(gpath)
        assert all(np.array_equal(gback[k], golden[k]) and gback[k].dtype == golden[k].dtype for k in golden)

        summary = {
            "model": name,
            "model_type": cfg["model_type"],
            "architecture": cfg["architectures"][0],
            "generator": "tools/golden/make_golden.py (plain PyTorch, no transformers)",
            "torch_version": torch.__version__,
            "computed_in": "float64 from the float32 weights in model.safetensors, stored as float32",
            "float32_reference_max_abs_logit_diff": f32_err,
            "recommended_tolerance": 1e-4,
            "tied_lm_head": bool(cfg["tie_word_embeddings"]),
            "parameters": {k: {"dtype": "F32", "shape": list(v.shape)} for k, v in sd.items()},
            "tensors": {k: {"dtype": {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[v.dtype],
                            "shape": list(v.shape)} for k, v in golden.items()},
            "input_ids": INPUT_IDS,
            "attention_mask": MASK,
            "position_ids": pos.tolist(),
            "input_ids_left": INPUT_IDS_LEFT,
            "attention_mask_left": MASK_LEFT,
            "position_ids_left": posl.tolist(),
            "conventions": {
                "attention": "causal; keys with attention_mask == 0 are excluded (score set to the most "
                             "negative finite float before softmax, as HF does)",
                "position_ids": "position_ids = cumsum(attention_mask, -1) - 1, set to 0 where attention_mask "
                                "== 0 (HF generate convention). For right padding this equals arange(T) on real "
                                "tokens; for left padding the first real token gets position 0. The "
                                "position_ids tensors are included.",
                "meaningful_positions": "logits / hidden_states[b, t] are meaningful only where mask[b, t] == 1; "
                                        "values at padded positions are whatever the reference produced and "
                                        "MUST be ignored by comparisons (pad ids are deliberately non-zero junk).",
                "log_probs": "log_probs[b, j] = log_softmax(logits[b, j])[input_ids[b, j + 1]] for j in "
                             "[0, T-1); meaningful only where mask[b, j] == 1 and mask[b, j + 1] == 1.",
                "left_vs_right": "row 0 of the left batch equals row 0 of the right batch; row 1 of the left "
                                 "batch holds the 5 real tokens of right-batch row 1 at t = 2..6, so "
                                 "logits_left[1, 2:] == logits[1, :5].",
                "hidden_states": "final hidden states after the final norm (ln_f / model.norm), i.e. the "
                                 "input of the LM head",
            },
            "mutation_sensitivity_max_abs_logit_diff": muts,
        }
        if name == "qwen2":
            summary["notes"] = ("q_proj/k_proj/v_proj have biases (implied by model_type qwen2; config has no "
                                "attention_bias key), o_proj has none; lm_head is tied to "
                                "model.embed_tokens.weight and there is no lm_head.weight tensor; "
                                "rope_theta 1e6; 4 query heads share 1 kv head")
        if name == "qwen3":
            summary["notes"] = ("q_norm/k_norm: RMSNorm over each head's head_dim (gain [12], eps rms_norm_eps) "
                                "applied to q and k before RoPE; head_dim 12 != hidden_size / heads = 8, so "
                                "q_proj is [48, 32], k_proj/v_proj [24, 32], o_proj [32, 48]; no q/k/v biases; "
                                "lm_head tied to model.embed_tokens.weight; rope_theta 1e6")
        if name == "gemma2":
            summary["notes"] = ("RMSNorm gain (1 + w), norm weights stored around 0; embeddings times sqrt(32) "
                                "(in the embeddings' dtype); four norms per layer (input, post_attention, "
                                "pre_feedforward, post_feedforward); GeGLU down(gelu_tanh(gate) * up); scores "
                                "scaled by query_pre_attn_scalar 24 ** -0.5 then 1.0 * tanh(s / 1.0); "
                                "sliding_window 3 in layers 0 and 2, layer 1 global; head_dim 16; final logits "
                                "2.0 * tanh(z / 2.0); lm_head tied to model.embed_tokens.weight")
        if name == "phi3":
            summary["notes"] = ("self_attn.qkv_proj.weight [64, 32]: output rows [q (32) | k (16) | v (16)]; "
                                "mlp.gate_up_proj.weight [128, 32]: rows [gate (64) | up (64)], "
                                "down(up * silu(gate)); sliding_window 4 in every layer; no biases; untied "
                                "lm_head; rms_norm_eps 1e-5")
        if name == "mistral":
            summary["notes"] = ("sliding_window 3 in every layer: query i sees keys j with i - 3 < j <= i (HF "
                                "masking_utils.sliding_window_overlay), i and j indices in the padded row; "
                                "no biases; untied lm_head.weight; rms_norm_eps 1e-5")
        if name == "llama":
            summary["notes"] = ("GQA: 4 query heads, 2 kv heads; query head h uses kv head h // 2 "
                                "(HF repeat_kv); q_proj/k_proj/v_proj/o_proj weights are [out, in]")
        if name == "gpt2":
            summary["notes"] = ("Conv1D weights are [in, out] (y = x @ W + b); c_attn output is [q | k | v], "
                                "head h uses columns h*8..h*8+7 of each; lm_head tied to wte.weight")
        with open(os.path.join(folder, "golden.json"), "w") as f:
            f.write(json.dumps(summary, indent=2) + "\n")
        sizes = sum(os.path.getsize(os.path.join(folder, x)) for x in os.listdir(folder))
        print(f"{name}: wrote {folder} ({sizes} bytes)")
        assert sizes < 200_000


if __name__ == "__main__":
    main()
