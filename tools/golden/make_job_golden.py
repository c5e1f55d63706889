#!/usr/bin/env python3
"""Independent references for alignspark's job-level tests: completion log-probs, FLR and CHES.

Builds one tiny random GPT-2 model folder with alignspark's byte-level vocabulary (256 byte ids, then the
special tokens <|pad|> <|bos|> <|eos|> <|system|> <|user|> <|assistant|> from id 256) and computes, with the
plain-torch GPT-2 of make_golden.py in float64:

* completion log-probs of chat-rendered prompt/completion pairs (TRL's definition: the completion is what the
  full conversation's rendering adds after the prompt's rendering with the generation prompt), summed, token
  mean and per token;
* FLR (Zhang et al., arXiv 2409.13948) per category and pooled, standard and role-swapped, and Direct, as
  docs/spec-data-side.md section 1a states its reading;
* CHES and LN-CHES (Razin et al., arXiv 2410.08847, Defs. 2-3) with the authors' rows: the final hidden states
  (after ln_f) of the prompt's last token and of the response's tokens, |y| + 1 rows, the response being the
  assistant's text without the template's end of turn (the authors score `query + chosen`, no EOS appended).

The chat templates are implemented here from their documented formats, not from the Java code:
* byte (ByteTokenizer folders): `<|role|>content<|eos|>` per turn; the generation prompt is `<|assistant|>`;
* ChatML: `<|im_start|>role\\ncontent<|im_end|>\\n` per turn; the generation prompt is `<|im_start|>assistant\\n`.

Usage:
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/golden/make_job_golden.py \\
        --out spark-jobs/src/test/resources/golden-jobs
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import GPT2, GPT2_CONFIG, init_params, read_safetensors, write_safetensors  # noqa: E402

# ------------------------------------------------------------------------------------------------------------
# Byte tokenizer (its vocabulary as ByteTokenizer documents it)
# ------------------------------------------------------------------------------------------------------------

SPECIALS = ["<|pad|>", "<|bos|>", "<|eos|>", "<|system|>", "<|user|>", "<|assistant|>"]
SPECIAL_ID = {s: 256 + i for i, s in enumerate(SPECIALS)}
VOCAB = 256 + len(SPECIALS)
PAD = SPECIAL_ID["<|pad|>"]


def encode(text):
    """UTF-8 bytes, except that the special strings map to their ids."""
    out = []
    i = 0
    while i < len(text):
        for s in SPECIALS:
            if text.startswith(s, i):
                out.append(SPECIAL_ID[s])
                i += len(s)
                break
        else:
            out.extend(text[i].encode("utf-8"))
            i += 1
    return out


def render_byte(messages, add_generation_prompt):
    text = "".join(f"<|{m['role']}|>{m['content']}<|eos|>" for m in messages)
    return text + ("<|assistant|>" if add_generation_prompt else "")


def render_chatml(messages, add_generation_prompt):
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return text + ("<|im_start|>assistant\n" if add_generation_prompt else "")


TEMPLATES = {"byte": render_byte, "chatml": render_chatml}
# A chat_template string with ChatML's markers: ChatTemplate.load recognises the format by them.
CHATML_JINJA = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
                "{% endif %}")


def prompt_and_completion(render, prompt_messages, response):
    """TRL: prompt = rendering with the generation prompt; completion = what the whole conversation adds after it."""
    opened = render(prompt_messages, True)
    whole = render(prompt_messages + [{"role": "assistant", "content": response}], False)
    assert whole.startswith(opened)
    return encode(opened), encode(whole[len(opened):])


# ------------------------------------------------------------------------------------------------------------
# Model
# ------------------------------------------------------------------------------------------------------------

CONFIG = dict(GPT2_CONFIG)
CONFIG.update({"vocab_size": VOCAB, "n_embd": 16, "n_head": 2, "n_layer": 2, "n_positions": 256,
               "bos_token_id": SPECIAL_ID["<|bos|>"], "eos_token_id": SPECIAL_ID["<|eos|>"]})
SEED = 20261203


def write_tokenizer(folder, chat_template=None):
    """The files ByteTokenizer.save writes: tokenizer.json (model type alignspark-byte-level) and tokenizer_config.json."""
    tok = {"version": "1.0",
           "added_tokens": [{"id": SPECIAL_ID[s], "content": s, "special": True} for s in SPECIALS],
           "model": {"type": "alignspark-byte-level", "byte_ids": "0-255"}}
    cfg = {"tokenizer_class": "AlignsparkByteTokenizer", "bos_token": "<|bos|>", "eos_token": "<|eos|>",
           "pad_token": "<|pad|>"}
    if chat_template is not None:
        cfg["chat_template"] = chat_template
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        f.write(json.dumps(tok, indent=2) + "\n")
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        f.write(json.dumps(cfg, indent=2) + "\n")


def build_model(folder):
    torch.manual_seed(SEED)
    model = GPT2(CONFIG).float()
    init_params(model, SEED, 0.3, 1.0, pos_std=0.1)
    sd = {k: v.detach().contiguous().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), sd, {"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        f.write(json.dumps(CONFIG, indent=2, sort_keys=True) + "\n")
    write_tokenizer(folder)
    back, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
    with open(os.path.join(folder, "config.json")) as f:
        cfg_back = json.load(f)
    m64 = GPT2(cfg_back).double()
    m64.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in back.items()}, strict=True)
    m64.eval()
    return m64


def forward(model, ids):
    """One unpadded sequence -> (hidden [T,d] after ln_f, log_softmax [T,V])."""
    t = torch.tensor([ids], dtype=torch.long)
    mask = torch.ones_like(t)
    pos = torch.arange(len(ids))[None, :]
    with torch.no_grad():
        hidden, logits = model(t, mask, pos)
    return hidden[0], torch.log_softmax(logits[0], dim=-1)


def completion_token_log_probs(model, prompt_ids, completion_ids):
    """log p(c_k | prompt, c_<k) for every completion token: position len(prompt)-1+k predicts c_k."""
    _, lp = forward(model, prompt_ids + completion_ids)
    p = len(prompt_ids)
    return [float(lp[p - 1 + k, c]) for k, c in enumerate(completion_ids)]


# ------------------------------------------------------------------------------------------------------------
# Inputs: TRL preference pairs (standard, conversational with a system turn, multi-turn, implicit prompt)
# ------------------------------------------------------------------------------------------------------------

PAIRS = [
    {"prompt": "What is 2 + 2?", "chosen": "4.", "rejected": "Five, I think."},
    {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour."}],
     "chosen": [{"role": "assistant", "content": "Blue."}],
     "rejected": [{"role": "assistant", "content": "A loud one."}]},
    {"prompt": [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello! How can I help?"},
                {"role": "user", "content": "Count to three."}],
     "chosen": [{"role": "assistant", "content": "1, 2, 3."}],
     "rejected": [{"role": "assistant", "content": "3 2 1"}]},
    {"chosen": [{"role": "user", "content": "Café or tea?"}, {"role": "assistant", "content": "Tea, thanks."}],
     "rejected": [{"role": "user", "content": "Café or tea?"}, {"role": "assistant", "content": "No."}]},
]


def split_pair(pair):
    """(prompt messages, chosen text, rejected text), as TRL reads the standard / conversational / implicit formats."""
    if "prompt" not in pair:   # implicit prompt: the shared leading turns
        c, r = pair["chosen"], pair["rejected"]
        n = 0
        while n < min(len(c), len(r)) and c[n] == r[n]:
            n += 1
        return c[:n], c[n]["content"], r[n]["content"]
    prompt = pair["prompt"]
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}], pair["chosen"], pair["rejected"]
    return prompt, pair["chosen"][0]["content"], pair["rejected"][0]["content"]


# FLR follow-ups: two categories with unequal counts, so that pooled and category-mean differ.
FOLLOW_UPS = {"correctness": {"positive": ["Right.", "Yes, correct."], "negative": ["Wrong."]},
              "clarity": {"positive": ["Clear."], "negative": ["Unclear.", "I am confused."]}}
FEEDBACK_REQUEST = "Please ask me a question and provide feedback to my answer."


def token_mean(xs):
    return sum(xs) / len(xs)


def flr_scores(model, render, conversation_prompt, response, role_swapped, include_end_of_turn):
    """FLR per docs/spec-data-side.md section 1a (the spec's reading): l(f) = token-mean log-prob of f's tokens
    (with the end of turn when include_end_of_turn) scored in the next turn's slot; FLR = mean_F+ l - mean_F- l.
    Standard: prompt turns / assistant y / user f. Role-swapped: user request / assistant x (last user turn) /
    user y / assistant f."""
    if role_swapped:
        last_user = [m for m in conversation_prompt if m["role"] == "user"][-1]["content"]
        conv = [{"role": "user", "content": FEEDBACK_REQUEST}, {"role": "assistant", "content": last_user},
                {"role": "user", "content": response}]
        slot = "assistant"
    else:
        conv = conversation_prompt + [{"role": "assistant", "content": response}]
        slot = "user"
    before = render(conv, False)
    per_category = {}
    pos_all, neg_all = [], []
    for cat, lists in FOLLOW_UPS.items():
        means = {}
        for sign in ("positive", "negative"):
            ls = []
            for f in lists[sign]:
                whole = render(conv + [{"role": slot, "content": f}], False)
                assert whole.startswith(before)
                added = whole[len(before):]          # <|slot|> f <|eos|>
                opening = f"<|{slot}|>" if render is render_byte else f"<|im_start|>{slot}\n"
                assert added.startswith(opening)
                ctx = encode(before + opening)
                f_ids = encode(added[len(opening):])
                if not include_end_of_turn:
                    f_ids = encode(f)
                    assert encode(added[len(opening):])[:len(f_ids)] == f_ids
                ls.append(token_mean(completion_token_log_probs(model, ctx, f_ids)))
            means[sign] = ls
        per_category[cat] = token_mean(means["positive"]) - token_mean(means["negative"])
        pos_all += means["positive"]
        neg_all += means["negative"]
    pooled = token_mean(pos_all) - token_mean(neg_all)
    category_mean = token_mean(list(per_category.values()))
    p, c = prompt_and_completion(render, conversation_prompt, response)
    direct = token_mean(completion_token_log_probs(model, p, c))
    return {"flr_pooled": pooled, "flr_category_mean": category_mean, "positive_mean": token_mean(pos_all),
            "negative_mean": token_mean(neg_all), "category_scores": per_category, "direct": direct}


def ches_rows(model, render, prompt_messages, response):
    """Final hidden states at positions q-1 .. q-1+|y|: the prompt's last token and each response token (|y|+1)."""
    p, c = prompt_and_completion(render, prompt_messages, response)
    y = encode(response)
    assert c[:len(y)] == y
    hidden, _ = forward(model, p + c)
    q = len(p)
    return hidden[q - 1:q + len(y)]


def ches(model, render, prompt_messages, chosen, rejected):
    """CHES = <S+, S-> - ||S+||^2 (Def. 2); LN-CHES = <S+,S->/(n+ n-) - ||S+||^2/n+^2 (Def. 3), n = rows."""
    hp = ches_rows(model, render, prompt_messages, chosen)
    hm = ches_rows(model, render, prompt_messages, rejected)
    sp, sm = hp.sum(0), hm.sum(0)
    np_, nm = hp.shape[0], hm.shape[0]
    return {"ches": float(sp @ sm - sp @ sp),
            "ln_ches": float(sp @ sm / (np_ * nm) - sp @ sp / (np_ * np_)),
            "rows_chosen": int(np_), "rows_rejected": int(nm)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="e.g. spark-jobs/src/test/resources/golden-jobs")
    args = ap.parse_args()
    torch.set_num_threads(1)
    folder = os.path.join(args.out, "gpt2-byte")
    model = build_model(folder)

    # Self-checks of the reference: the byte template renders and splits as documented.
    assert render_byte([{"role": "user", "content": "a"}], True) == "<|user|>a<|eos|><|assistant|>"
    p, c = prompt_and_completion(render_byte, [{"role": "user", "content": "a"}], "b")
    assert p == [SPECIAL_ID["<|user|>"], 97, SPECIAL_ID["<|eos|>"], SPECIAL_ID["<|assistant|>"]]
    assert c == [98, SPECIAL_ID["<|eos|>"]]
    assert encode("é") == [0xC3, 0xA9]
    # Causality: appending tokens leaves earlier log-probs unchanged (scoring alone == scoring in a longer row).
    _, lp1 = forward(model, p + c)
    _, lp2 = forward(model, p + c + [5, 6])
    assert float((lp1 - lp2[:len(p + c)]).abs().max()) < 1e-12

    with open(os.path.join(args.out, "pairs.jsonl"), "w") as f:
        for pair in PAIRS:
            f.write(json.dumps(pair, ensure_ascii=False) + "\n")
    with open(os.path.join(args.out, "follow-ups.json"), "w") as f:
        f.write(json.dumps(FOLLOW_UPS, indent=2) + "\n")

    rows = []
    for pair in PAIRS:
        prompt, chosen, rejected = split_pair(pair)
        row = {"prompt": prompt, "chosen": chosen, "rejected": rejected}
        for template in ("byte", "chatml"):
            render = TEMPLATES[template]
            out = {}
            for side, text in (("chosen", chosen), ("rejected", rejected)):
                pi, ci = prompt_and_completion(render, prompt, text)
                tl = completion_token_log_probs(model, pi, ci)
                out[side] = {"prompt_ids": pi, "completion_ids": ci, "token_log_probs": tl,
                             "sum": sum(tl), "mean": token_mean(tl), "tokens": len(ci)}
            out["ches"] = ches(model, render, prompt, chosen, rejected)
            row[template] = out
        flr = {}
        for side, text in (("chosen", chosen), ("rejected", rejected)):
            flr[side] = {
                "standard": flr_scores(model, render_byte, prompt, text, False, True),
                "role_swapped": flr_scores(model, render_byte, prompt, text, True, True),
                "standard_no_end_of_turn": flr_scores(model, render_byte, prompt, text, False, False),
            }
        row["flr"] = flr
        rows.append(row)

    summary = {
        "generator": "tools/golden/make_job_golden.py (plain PyTorch GPT-2 of make_golden.py, float64)",
        "torch_version": torch.__version__,
        "model": "gpt2-byte",
        "chatml_chat_template": CHATML_JINJA,
        "feedback_request": FEEDBACK_REQUEST,
        "conventions": {
            "completion": "TRL: prompt = template rendering of the prompt turns with the generation prompt; "
                          "completion = what rendering the whole conversation adds after it (end of turn included)",
            "log_probs": "token_log_probs[k] = log p(completion[k] | prompt, completion[:k]); sum and mean over them",
            "flr": "docs/spec-data-side.md 1a reading: l(f) token-mean log-prob of f (+ end of turn unless "
                   "standard_no_end_of_turn) in the next turn's slot; flr_pooled = mean over all F+ - mean over all "
                   "F-; flr_category_mean = mean of the per-category FLRs; direct = token-mean log-prob of the "
                   "response's completion after the standard prompt",
            "ches": "Razin et al. Defs. 2-3 with the authors' rows: final hidden states (after ln_f) at the prompt's "
                    "last token and the response's tokens, |y| + 1 rows; y = the response text's tokens (no end of turn)",
        },
        "rows": rows,
    }
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        f.write(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    for r in rows:
        print(r["chosen"], "|", r["rejected"], "byte sums", round(r["byte"]["chosen"]["sum"], 4),
              round(r["byte"]["rejected"]["sum"], 4), "ches", r["byte"]["ches"], "chatml ches", r["chatml"]["ches"],
              "flr", round(r["flr"]["chosen"]["standard"]["flr_pooled"], 5))
    size = sum(os.path.getsize(os.path.join(dp, x)) for dp, _, fs in os.walk(args.out) for x in fs)
    print(f"wrote {args.out} ({size} bytes)")


if __name__ == "__main__":
    main()
