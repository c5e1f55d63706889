#!/usr/bin/env python3
"""Builds samples/self-correction-algoverse-gsm8k.jsonl, the real two-attempt traces SelfCorrectMetricsJobTest counts.

Source: github.com/StanchPillow55/Algoverse-Self-Correction-Classification at commit
1e32ba51cc16d9043c3f58b043975c45726d790c (no licence file in the repository), files
  runs/fullscale_claude-haiku_gsm8k_20250916T065436Z/traces.jsonl
  runs/fullscale_gpt-4o-mini_gsm8k_20250916T023606Z/traces.jsonl
  data/gsm8k/test_1k.jsonl                      (GSM8K test questions; "#### N" ends each answer)
Each trace is one GSM8K problem answered by claude-3-haiku-20240307 or gpt-4o-mini in up to three turns, every turn
graded by the authors' numeric checker (turns[i].is_correct). Their protocol stops at the first correct turn, so a
problem solved at turn 1 has one attempt only.

Kept: the first PROBLEMS traces of each file, in file order; per trace its question (prompt), the GSM8K reference
answer, the first two turns as attempts with the authors' verdicts, and model, dataset and problem_id as fields
(ingest keeps them as tags). Later turns are dropped: self-correct-metrics reads attempts 1 and 2 only.

Usage: algoverse_gsm8k_sample.py HAIKU_TRACES GPT4OMINI_TRACES TEST_1K > samples/self-correction-algoverse-gsm8k.jsonl
"""
import json
import sys

PROBLEMS = 10


def main(haiku, mini, questions):
    references = {}
    with open(questions) as f:
        for line in f:
            row = json.loads(line)
            references[row["id"]] = row["answer"].split("####")[-1].strip()
    for path in (haiku, mini):
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()][:PROBLEMS]
        for row in rows:
            turns = row["turns"][:2]
            print(json.dumps({
                "prompt": row["original_problem_text"],
                "reference_answer": references[row["problem_id"]],
                "attempts": [{"text": t["response_text"], "correct": t["is_correct"]} for t in turns],
                "model": turns[0]["model_name"],
                "dataset": "gsm8k",
                "problem_id": row["problem_id"],
            }, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:4])
