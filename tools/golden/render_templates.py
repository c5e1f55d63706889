#!/usr/bin/env python3
"""Golden chat-template renderings from Python's jinja2, set up as Hugging Face transformers sets it up.

Reads the templates under common/src/test/resources/chat-templates/<model>/chat_template.jinja, the special
tokens of each model (special_tokens.json) and the conversations (conversations.json), renders every case and
writes goldens.json beside them. The Java tests (ChatTemplateGoldenTest) compare alignspark's rendering with it
byte for byte. The environment below is written from transformers' `_compile_jinja_template`
(src/transformers/utils/chat_template_utils.py): ImmutableSandboxedEnvironment(trim_blocks=True,
lstrip_blocks=True) with the loopcontrols extension and a `{% generation %}` tag, `tojson` overridden with
json.dumps(ensure_ascii=False, indent, separators, sort_keys), `raise_exception`, and `strftime_now`; the context is
apply_chat_template's: messages, tools (None when absent), documents (None), add_generation_prompt and the
tokenizer's special tokens map. strftime_now is pinned to 2024-07-26 so the output does not change with the date.

Re-run:  python3 tools/golden/render_templates.py      (needs jinja2 >= 3.1; checked with 3.1.6)
"""
import json
import sys
from datetime import datetime
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "common/src/test/resources/chat-templates"
FIXED_NOW = datetime(2024, 7, 26, 9, 30, 0)


class GenerationTracker(Extension):
    """`{% generation %}...{% endgeneration %}`: renders its body and records where it lands in the output."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_track"), [], [], body).set_lineno(lineno)

    def _track(self, caller):
        text = caller()
        state = self.environment.generation_state
        if state is not None:
            start = len("".join(state["blocks"]))
            state["spans"].append((start, start + len(text)))
        return text


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTracker, jinja2.ext.loopcontrols])
    env.generation_state = None

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return FIXED_NOW.strftime(fmt)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, template, context):
    """Text and generation spans, as transformers' _render_with_assistant_indices computes them."""
    blocks, spans = [], []
    env.generation_state = {"blocks": blocks, "spans": spans}
    try:
        for block in template.generate(**context):
            blocks.append(block)
    finally:
        env.generation_state = None
    return "".join(blocks), spans


def cases(conversations):
    prompts = conversations["prompts"]
    reply = {"role": "assistant", "content": conversations["response"]}
    thinking = {"role": "assistant", "content": conversations["thinking_response"]}
    tools = conversations["tools"]
    for name, messages in prompts.items():
        yield f"{name}/prompt", dict(messages=messages, add_generation_prompt=True)
        yield f"{name}/prompt_no_generation_prompt", dict(messages=messages, add_generation_prompt=False)
        yield f"{name}/full", dict(messages=messages + [reply], add_generation_prompt=False)
        yield f"{name}/full_thinking", dict(messages=messages + [thinking], add_generation_prompt=False)
    for name in ("user", "system_user"):
        yield f"{name}/tools/prompt", dict(messages=prompts[name], add_generation_prompt=True, tools=tools)
        yield f"{name}/tools/full", dict(messages=prompts[name] + [reply], add_generation_prompt=False, tools=tools)
    yield "user/no_thinking/prompt", dict(messages=prompts["user"], add_generation_prompt=True, enable_thinking=False)
    yield "user/no_thinking/full", dict(messages=prompts["user"] + [reply], add_generation_prompt=False,
                                        enable_thinking=False)


# Small templates for the places where Jinjava and jinja2 differ (whitespace control, string escapes, operator
# precedence, Python methods and filters); rendered with the same environment into engine_goldens.json.
ENGINE_CASES = {
    "lstrip_only_at_line_start": "a {% if true %}b {% endif %}c\n  {% if true %}\n  x\n  {% endif %}\nz",
    "comments_follow_lstrip_and_trim": "a {# c #} b\n  {# d #}\nx{#- e -#}  \n y",
    "trim_after_block_only": "{% if true %}\nA{{ 1 }}\nB{% if true -%}  \n C{% endif %}{% endif %}",
    "string_escapes": "{{ 'tab\\tnl\\nq\\'\\\\u:\\u00e9 x:\\x41' }}|{{ \"dq\\\"\" }}",
    "not_is_precedence": "{% if not missing is defined %}undefined{% endif %}|{{ not 1 == 2 }}",
    "keyword_argument_precedence": "{% set ns = namespace(n=items|length - 1, first=true) %}{{ ns.n }}{% set ns.n = ns.n * 10 %}{{ ns.n }}",
    "reversed_slice": "{% for x in items[::-1] %}{{ loop.index0 }}{{ x }}{% endfor %}|{{ items[1:] }}|{{ 'abc'[:-1] }}",
    "python_str_methods": "{{ '  a b  '.strip() }}|{{ '\\n\\nx\\n'.strip('\\n') }}|{{ 'xxyxx'.lstrip('x') }}|{{ 'a</t>b</t>c'.split('</t>')[-1] }}"
                          "|{{ ' a  b '.split() }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('bc') }}|{{ 'aXa'.replace('a', 'b') }}"
                          "|{{ 'hi there'.title() }}|{{ 'Hi'.upper() }}{{ 'Hi'.lower() }}",
    "membership_and_tests": "{{ 'b' in 'abc' }}{{ 'z' in items }}|{{ none is none }}{{ items is iterable }}{{ d is mapping }}"
                            "{{ 'x' is string }}{{ false is false }}",
    "string_filter_is_python_str": "{{ d|string }}|{{ items|string }}",
    "dict_items": "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "tojson_arguments": "{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ d|tojson(sort_keys=true) }}",
    "filters": "{{ items|join(', ') }}|{{ '  x '|trim }}|{{ items|length }}|{{ items|first }}{{ items|last }}"
               "|{{ [{'r': 'u'}, {'r': 'a'}]|selectattr('r', 'equalto', 'u')|list|length }}",
}
ENGINE_CONTEXT = {"items": ["p", "q", "r"], "d": {"b": [1, 2.5, None, True], "a": "ü'"}}


def main():
    conversations = json.loads((RESOURCES / "conversations.json").read_text(encoding="utf-8"))
    special = json.loads((RESOURCES / "special_tokens.json").read_text(encoding="utf-8"))
    env = environment()
    out = {}
    for model in sorted(special):
        template = env.from_string((RESOURCES / model / "chat_template.jinja").read_text(encoding="utf-8"))
        rendered = {}
        for case, kwargs in cases(conversations):
            context = {"tools": None, "documents": None, **special[model], **kwargs}
            try:
                text, spans = render(env, template, context)
                rendered[case] = {"text": text, "generation": [text[s:e] for s, e in spans]}
            except jinja2.exceptions.TemplateError as e:
                rendered[case] = {"error": str(e)}
        out[model] = rendered
    engine = {}
    for name, source in ENGINE_CASES.items():
        engine[name] = {"template": source, "text": render(env, env.from_string(source), ENGINE_CONTEXT)[0]}
    (RESOURCES / "engine_goldens.json").write_text(
        json.dumps({"context": ENGINE_CONTEXT, "cases": engine}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    target = RESOURCES / "goldens.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"jinja2 {jinja2.__version__}: {sum(len(v) for v in out.values())} renderings -> {target.relative_to(ROOT)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
