"""PyTorch reference for bench/lm-forward.sh: the same GPT-2-small-shaped forward + log-softmax and training
step as LmForwardBenchmark, written with plain torch modules. Prints torch_* key=value lines."""
import argparse
import ctypes
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads) + mask
        y = (att.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab, d, layers, heads, positions=1024):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(positions, d)
        self.h = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, ids):
        b, t = ids.shape
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = self.wte(ids) + self.wpe(torch.arange(t))
        for block in self.h:
            x = block(x, mask)
        logits = self.ln_f(x) @ self.wte.weight.T
        log_probs = logits.log_softmax(dim=-1)
        return log_probs[:, :-1].gather(2, ids[:, 1:, None]).squeeze(2)


def openblas_in_use():
    """(library path, core name, thread count) of the OpenBLAS this process loaded, read from OpenBLAS itself."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "openblas" in line and line.split()[-1].startswith("/")})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return path, lib.openblas_get_corename().decode(), lib.openblas_get_num_threads()
        except (OSError, AttributeError):
            continue
    return "none", "none", 0


def mm_gflops(n, d, layers, vocab, iterations):
    """GFLOP/s of torch.mm over the forward pass's own matrix products: per layer qkv, proj, fc, fc-proj; LM head."""
    shapes = [(n, d, 3 * d), (n, d, d), (n, d, 4 * d), (n, 4 * d, d)]
    operands = [(torch.rand(m, k), torch.rand(k, o)) for m, k, o in shapes]
    head = (torch.rand(n, d), torch.rand(vocab, d))
    flops = 2.0 * n * d * vocab + sum(2.0 * layers * m * k * o for m, k, o in shapes)

    def products():
        for _ in range(layers):
            for a, b in operands:
                torch.mm(a, b)
        torch.mm(head[0], head[1].T)

    return flops / median_seconds(iterations, products) / 1e9


def median_seconds(iterations, work):
    work()
    seconds = []
    for _ in range(iterations):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main():
    p = argparse.ArgumentParser()
    for name, default in [("batch", 4), ("length", 128), ("layers", 12), ("d", 768), ("heads", 12),
                          ("vocab", 50257), ("iterations", 5), ("threads", 2)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = GPT(a.vocab, a.d, a.layers, a.heads)
    params = sum(p.numel() for p in model.parameters())
    ids = torch.randint(a.vocab, (a.batch, a.length))
    tokens = a.batch * a.length

    def forward():
        with torch.no_grad():
            model(ids)

    def train_step():
        model.zero_grad(set_to_none=False)
        (-model(ids).mean()).backward()

    with torch.no_grad():
        mm = mm_gflops(tokens, a.d, a.layers, a.vocab, a.iterations)
    fwd = median_seconds(a.iterations, forward)
    train = median_seconds(max(1, a.iterations // 2), train_step)
    print(f"torch_version={torch.__version__}")
    blas_path, blas_core, blas_threads = openblas_in_use()
    print(f"torch_threads={torch.get_num_threads()}")
    print(f"torch_openblas={blas_path} core={blas_core} threads={blas_threads}")
    print(f"torch_mm_gflops={mm:.1f}")
    print(f"torch_params={params}")
    print(f"torch_forward_seconds={fwd:.4f}")
    print(f"torch_forward_tokens_per_s={tokens / fwd:.1f}")
    print(f"torch_forward_gflops={2 * params * tokens / fwd / 1e9:.1f}")
    print(f"torch_train_step_seconds={train:.4f}")
    print(f"torch_train_tokens_per_s={tokens / train:.1f}")
    print(f"torch_peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")


if __name__ == "__main__":
    main()
