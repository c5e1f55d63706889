"""LoRA golden outputs: tiny adapters in PEFT's on-disk layout over the committed golden base models, and the
logits of base + adapter computed by an independent plain-PyTorch reference.

The reference is the LoRA formula of Hu et al. 2021 ("LoRA: Low-Rank Adaptation of Large Language Models", eq. 3:
h = W0 x + B A x, with the update scaled by alpha / r as §4.1 says), applied by wrapping each adapted projection of
make_golden.py's reference models. It uses neither `transformers` nor `peft` nor the Java engine. Tensor names and
adapter_config.json keys follow PEFT's save format: `base_model.model.<module path>.lora_A.weight` [r, in] and
`.lora_B.weight` [out, r] (the adapter name "default" stripped, as `get_peft_model_state_dict` does); GPT-2's module
paths are those of GPT2LMHeadModel (`transformer.h.<i>...`), and its Conv1D layers take `fan_in_fan_out: true`.

    /usr/bin/python3 tools/golden/make_lora_golden.py --golden common/src/test/resources/golden

reads golden/<base>/ and writes golden/lora-<base>/ (adapter_config.json, adapter_model.safetensors,
golden.safetensors with float64 `logits`, `log_probs`, `hidden_states` for `input_ids` / `attention_mask`).
golden/lora-rm-llama/ is a reward model's adapter (task_type SEQ_CLS): its file also holds the head
`base_model.model.score.weight` [1, d] that PEFT's modules_to_save keeps whole (ModulesToSaveWrapper's copy, saved
without its `modules_to_save.default` part), and golden.safetensors the `scores` [B, 1]: the head on the final hidden
state at each row's last real token, as *ForSequenceClassification reads it.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_golden as mg  # noqa: E402  (reference models and the hand-written safetensors reader/writer)

ADAPTERS = {
    # name: (base folder, HF module-path prefix, r, alpha, target_modules, fan_in_fan_out, seed)
    "lora-llama": ("llama", "", 4, 8.0,
                   ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], False, 20240201),
    "lora-gpt2": ("gpt2", "transformer.", 2, 6.0, ["c_attn", "c_proj"], True, 20240202),
    # a reward model's adapter (PEFT task_type SEQ_CLS): LoRA on the LM and the whole head `score` [1, d] kept in
    # modules_to_save, as PEFT's PeftModelForSequenceClassification keeps it
    "lora-rm-llama": ("llama", "", 4, 8.0, ["q_proj", "v_proj"], False, 20240203),
}
# adapter name -> outputs K of its score head (a *ForSequenceClassification head: nn.Linear(d, K, bias=False))
SEQ_CLS = {"lora-rm-llama": 1}


class LoraLinear(nn.Module):
    """h = base(x) + (alpha / r) * B A x  (Hu et al. 2021 eq. 3 with §4.1's scaling); A [r, in], B [out, r]."""

    def __init__(self, base, a, b, scaling):
        super().__init__()
        self.base = base
        self.a = a
        self.b = b
        self.scaling = scaling

    def forward(self, x):
        return self.base(x) + self.scaling * torch.matmul(torch.matmul(x, self.a.t()), self.b.t())


def targets(model, target_modules):
    """Module path -> module for each nn.Linear / Conv1D whose last path component is a target."""
    out = []
    for path, module in model.named_modules():
        if isinstance(module, (nn.Linear, mg.Conv1D)) and path.split(".")[-1] in target_modules:
            out.append((path, module))
    return out


def in_out(module):
    if isinstance(module, mg.Conv1D):
        return module.weight.shape[0], module.weight.shape[1]   # Conv1D weight [in, out]
    return module.weight.shape[1], module.weight.shape[0]       # nn.Linear weight [out, in]


def set_module(model, path, new):
    parent = model
    parts = path.split(".")
    for p in parts[:-1]:
        parent = getattr(parent, p)
    setattr(parent, parts[-1], new)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", required=True, help="the golden folder, e.g. common/src/test/resources/golden")
    args = ap.parse_args()
    torch.set_num_threads(1)
    ids = torch.tensor(mg.INPUT_IDS, dtype=torch.long)
    mask = torch.tensor(mg.MASK, dtype=torch.long)
    for name, (base_name, hf_prefix, r, alpha, target_modules, fan_in_fan_out, seed) in ADAPTERS.items():
        base_folder = os.path.join(args.golden, base_name)
        with open(os.path.join(base_folder, "config.json")) as f:
            cfg = json.load(f)
        weights, _ = mg.read_safetensors(os.path.join(base_folder, "model.safetensors"))
        _, ctor, _, _, _ = mg.MODELS[base_name]
        model = ctor(cfg).double()
        model.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in weights.items()}, strict=True)
        model.eval()
        with torch.no_grad():
            _, base_logits, _, _ = mg.run(model, ids, mask)

        gen = torch.Generator().manual_seed(seed)
        scaling = alpha / r
        tensors = {}
        merged = {k: torch.from_numpy(v.astype(np.float64)) for k, v in weights.items()}
        adapted = targets(model, target_modules)
        assert adapted, name
        for path, module in adapted:
            n_in, n_out = in_out(module)
            bound = 1.0 / np.sqrt(n_in)
            a = (torch.rand(r, n_in, generator=gen, dtype=torch.float64) * 2 - 1) * bound
            b = torch.randn(n_out, r, generator=gen, dtype=torch.float64) * 0.3   # trained: B != 0
            a = a.float().double()                     # the adapter file holds float32
            b = b.float().double()
            tensors[f"base_model.model.{hf_prefix}{path}.lora_A.weight"] = a.float().numpy()
            tensors[f"base_model.model.{hf_prefix}{path}.lora_B.weight"] = b.float().numpy()
            delta = scaling * torch.matmul(b, a)       # [out, in]
            merged[path + ".weight"] = merged[path + ".weight"] + (delta.t() if fan_in_fan_out else delta)
            set_module(model, path, LoraLinear(module, a, b, scaling))
        score = None
        if name in SEQ_CLS:
            d = cfg.get("hidden_size", cfg.get("n_embd"))
            score = (torch.randn(SEQ_CLS[name], d, generator=gen, dtype=torch.float64) / np.sqrt(d)).float().double()
            tensors["base_model.model.score.weight"] = score.float().numpy()
        with torch.no_grad():
            hidden, logits, log_probs, _ = mg.run(model, ids, mask)
            # self-check: the merged weights W + (alpha / r) B A give the same logits
            merged_model = ctor(cfg).double()
            merged_model.load_state_dict(merged, strict=True)
            merged_model.eval()
            _, merged_logits, _, _ = mg.run(merged_model, ids, mask)
        diff = float((merged_logits - logits).abs().max())
        moved = float((logits - base_logits).abs().max())
        assert diff < 1e-10, (name, diff)
        assert moved > 1e-2, (name, moved)
        print(f"{name}: {len(adapted)} adapted modules, merged-vs-unmerged {diff:.1e}, "
              f"adapter moves logits by up to {moved:.3f}")

        out = os.path.join(args.golden, name)
        os.makedirs(out, exist_ok=True)
        config = {
            "alpha_pattern": {},
            "auto_mapping": None,
            "base_model_name_or_path": "../" + base_name,
            "bias": "none",
            "fan_in_fan_out": fan_in_fan_out,
            "inference_mode": True,
            "init_lora_weights": True,
            "layers_pattern": None,
            "layers_to_transform": None,
            "lora_alpha": alpha,
            "lora_dropout": 0.05,
            # PEFT's SEQ_CLS default, as PeftModelForSequenceClassification writes it
            "modules_to_save": ["classifier", "score"] if score is not None else None,
            "peft_type": "LORA",
            "r": r,
            "rank_pattern": {},
            "revision": None,
            "target_modules": sorted(target_modules),
            "task_type": "SEQ_CLS" if score is not None else "CAUSAL_LM",
            "use_dora": False,
            "use_rslora": False,
        }
        with open(os.path.join(out, "adapter_config.json"), "w") as f:
            f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")
        mg.write_safetensors(os.path.join(out, "adapter_model.safetensors"), tensors, {"format": "pt"})
        outputs = {
            "input_ids": ids.numpy().astype(np.int64),
            "attention_mask": mask.numpy().astype(np.int64),
            "logits": logits.numpy().astype(np.float64),
            "log_probs": log_probs.numpy().astype(np.float64),
            "hidden_states": hidden.numpy().astype(np.float64),
        }
        if score is not None:
            # the sequence classifier's scores: the head on the final (normed) hidden state at each row's last real token
            last = [int(torch.nonzero(mask[b]).max()) for b in range(mask.shape[0])]
            h_last = torch.stack([hidden[b, last[b]] for b in range(len(last))])   # [B, d]
            outputs["scores"] = torch.matmul(h_last, score.t()).numpy().astype(np.float64)   # [B, K]
            print(f"{name}: scores {outputs['scores'].ravel()}")
        mg.write_safetensors(os.path.join(out, "golden.safetensors"), outputs, {"format": "pt"})
        if score is not None:
            with open(os.path.join(out, "reward_layout.json"), "w") as f:
                f.write(json.dumps({"template": "standard"}, indent=2) + "\n")


if __name__ == "__main__":
    main()
