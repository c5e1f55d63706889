#!/usr/bin/env python3
"""Checks an alignspark Airflow DAG without Airflow: it compiles, and every SparkSubmitOperator's command line is one
the alignspark CLI accepts.

    deploy/airflow/check_dag.py deploy/airflow/alignspark_nightly.py                  # asks bin/alignspark <job> --help
    deploy/airflow/check_dag.py DAG.py --help-dir DIR                                 # DIR/<job>.txt holds <job> --help
    deploy/airflow/check_dag.py DAG.py --help-command "java -cp CP org.alignspark.Main"

The DAG is read with `ast` (Airflow is not needed): each task's application_args must be a literal list (module-level
string constants, `+` and f-strings of them allowed); its first item is the job. Checked per task: the job exists,
every --option is one its --help lists, every required option is given, --dt is {{ ds }}, and the task is in the
`gpu` pool exactly when its job runs a model. Checked for the DAG: the nightly chain's jobs are all there, each
downstream of the one before it.
"""
import argparse
import ast
import os
import py_compile
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

# Jobs that load a model: they run on GPU executors and take a slot of the gpu pool.
GPU_JOBS = {"generate", "flr-score", "ches", "ref-logprobs", "train-rm", "train-dpo", "train-kto", "train-bco", "train-list-ranking", "train-policy", "eval-rm", "eval-policy",
            "self-correct-eval", "guidance-sweep", "train-sft", "train-score", "pipeline"}
GPU_POOL = "gpu"
# The nightly chain: every job must be a task, each downstream of the previous one.
CHAIN = ["ingest", "generate", "flr-score", "flr-mine", "ches", "train-rm", "train-dpo", "eval-policy", "report"]
DT = "{{ ds }}"


class Unresolvable(Exception):
    pass


def resolve(node, names):
    """The value of a literal expression, with module-level constants looked up in `names`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [resolve(e, names) for e in node.elts]
    if isinstance(node, ast.Dict):
        # Partial: a value that is no literal (e.g. a joined string of Java options) stays an Unresolvable marker, so
        # the task keywords that do resolve (pool, ...) can still come through **dict.
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                out.update(resolve(v, names))
            else:
                try:
                    out[resolve(k, names)] = resolve(v, names)
                except Unresolvable as e:
                    out[resolve(k, names)] = e
        return out
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise Unresolvable(f"name '{node.id}' (line {node.lineno}) is not a module-level constant")
        return names[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return resolve(node.left, names) + resolve(node.right, names)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(resolve(v.value if isinstance(v, ast.FormattedValue) else v, names)) for v in node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        out = {}
        for kw in node.keywords:
            if kw.arg is None:
                out.update(resolve(kw.value, names))
            else:
                out[kw.arg] = resolve(kw.value, names)
        return out
    raise Unresolvable(f"{type(node).__name__} at line {getattr(node, 'lineno', '?')} is not a literal")


def module_constants(tree):
    """Module-level NAME = literal assignments that resolve; the rest are skipped."""
    names = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                names[stmt.targets[0].id] = resolve(stmt.value, names)
            except Unresolvable:
                pass
    return names


def is_operator_call(node):
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "SparkSubmitOperator")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "SparkSubmitOperator"))


def tasks_of(tree, names):
    """(variable, kwargs, line) of every SparkSubmitOperator call; kwargs resolved, **dicts merged."""
    variables = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and is_operator_call(node.value) and isinstance(node.targets[0], ast.Name):
            variables[id(node.value)] = node.targets[0].id
    tasks = []
    for node in ast.walk(tree):
        if not is_operator_call(node):
            continue
        kwargs = {}
        for kw in node.keywords:
            try:
                value = resolve(kw.value, names)
            except Unresolvable as e:
                value = e
            if kw.arg is None:
                if isinstance(value, Unresolvable):
                    raise value
                kwargs.update(value)
            else:
                kwargs[kw.arg] = value
        tasks.append((variables.get(id(node)), kwargs, node.lineno))
    return tasks


def edges_of(tree):
    """Upstream -> downstream variable pairs from `a >> b >> [c, d]` statements."""
    edges = set()

    def operands(node, end):
        """Tasks at one end of an operand: `a >> b` is b seen from its right, a seen from its left."""
        if isinstance(node, ast.Name):
            return [node.id]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [n for e in node.elts for n in operands(e, end)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
            return operands(node.right if end == "right" else node.left, end)
        return []

    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
            for up in operands(node.left, "right"):
                for down in operands(node.right, "left"):
                    edges.add((up, down))
    return edges


class Help:
    """Options of one job as its --help shows them: every option, which take a value, which are required."""

    # "  -h, --help", "      --dt=<dt>", "      --input, --pairs=<inputTable>" (aliases: every name counts).
    OPTION_LINE = re.compile(r"^\s+(?:-\w, )?((?:--[a-z0-9][a-z0-9-]*, )*)(--(?:\[no-\])?[a-z0-9][a-z0-9-]*)(=\S*)?")

    def __init__(self, job, text):
        self.job = job
        self.options, self.takes_value, self.required = set(), set(), set()
        lines = text.splitlines()
        if not lines or not lines[0].startswith("Usage: alignspark " + job):
            raise ValueError(f"'{job}' is not an alignspark job (its --help starts: {lines[0] if lines else '(nothing)'!r})")
        # The synopsis is the Usage line and its continuations, indented to just past "Usage: alignspark <job> ".
        indent = " " * len("Usage: alignspark " + job + " ")
        synopsis_end = 1
        while synopsis_end < len(lines) and lines[synopsis_end].startswith(indent) and lines[synopsis_end].strip()[:1] in "[-":
            synopsis_end += 1
        for line in lines[:synopsis_end]:
            depth = 0
            for token in re.findall(r"\[|\]|--[a-z0-9][a-z0-9-]*", line):
                if token == "[":
                    depth += 1
                elif token == "]":
                    depth -= 1
                elif depth == 0:
                    self.required.add(token)
        for line in lines[synopsis_end:]:
            m = self.OPTION_LINE.match(line)
            if m:
                names = [a for a in m.group(1).split(", ") if a] + [m.group(2)]
                if "[no-]" in names[-1]:
                    names = [names[-1].replace("[no-]", ""), names[-1].replace("[no-]", "no-")]
                self.options.update(names)
                if m.group(3):
                    self.takes_value.update(names)


def help_text(job, help_dir, help_command):
    if help_dir:
        path = Path(help_dir) / f"{job}.txt"
        return path.read_text(encoding="utf-8") if path.exists() else ""
    env = dict(os.environ)
    env["ALIGNSPARK_JAVA_OPTS"] = (env.get("ALIGNSPARK_JAVA_OPTS", "") + " -Dpicocli.usage.width=200").strip()
    result = subprocess.run(shlex.split(help_command) + [job, "--help"], capture_output=True, text=True, env=env)
    return result.stdout


def check(dag_file, help_dir=None, help_command=None):
    errors = []
    with tempfile.TemporaryDirectory() as scratch:   # the byte code goes nowhere near the repository
        try:
            py_compile.compile(dag_file, cfile=str(Path(scratch) / "dag.pyc"), doraise=True)
        except py_compile.PyCompileError as e:
            return 0, [f"the DAG does not compile: {e.msg}"]
    tree = ast.parse(Path(dag_file).read_text(encoding="utf-8"), dag_file)
    names = module_constants(tree)
    helps = {}
    task_jobs = {}
    tasks = tasks_of(tree, names)
    if not tasks:
        errors.append("no SparkSubmitOperator in the DAG")
    for variable, kwargs, line in tasks:
        task_id = kwargs.get("task_id", f"(line {line})")
        where = f"task {task_id} (line {line})"
        args = kwargs.get("application_args")
        if isinstance(args, Exception) or not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
            errors.append(f"{where}: application_args must be a literal list of strings ({args})")
            continue
        job = args[0]
        task_jobs[variable] = job
        if job not in helps:
            try:
                helps[job] = Help(job, help_text(job, help_dir, help_command))
            except ValueError as e:
                helps[job] = None
                errors.append(f"{where}: {e}")
        spec = helps[job]
        if spec is None:
            continue
        given = set()
        i = 1
        while i < len(args):
            arg = args[i]
            if not arg.startswith("--"):
                errors.append(f"{where}: '{arg}' is not an option of {job} (values follow their option)")
                i += 1
                continue
            name = arg.split("=", 1)[0]
            if name not in spec.options:
                errors.append(f"{where}: {job} has no option {name}")
            given.add(name)
            if name in spec.takes_value and "=" not in arg:
                if i + 1 >= len(args):
                    errors.append(f"{where}: {name} needs a value")
                elif name == "--dt" and args[i + 1] != DT:
                    errors.append(f"{where}: --dt must be {DT}, got {args[i + 1]}")
                i += 2
            else:
                i += 1
        for name in sorted(spec.required - given):
            errors.append(f"{where}: {job} needs {name}")
        if "--dt" in spec.options and "--dt" not in given:
            errors.append(f"{where}: --dt {DT} is missing")
        pool = kwargs.get("pool")
        if job in GPU_JOBS and pool != GPU_POOL:
            errors.append(f"{where}: {job} runs a model and must be in pool '{GPU_POOL}' (pool={pool})")
        if job not in GPU_JOBS and pool == GPU_POOL:
            errors.append(f"{where}: {job} runs no model and must not take a '{GPU_POOL}' slot")

    edges = edges_of(tree)
    downstream = {}
    for up, down in edges:
        downstream.setdefault(up, set()).add(down)

    def reachable(start):
        seen, todo = set(), [start]
        while todo:
            for nxt in downstream.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    by_job = {}
    for variable, job in task_jobs.items():
        by_job.setdefault(job, []).append(variable)
    for job in CHAIN:
        if job not in by_job:
            errors.append(f"the nightly chain's job {job} has no task")
    # Each task of a chain job is downstream of a task of the job before it (a second ingest, of data the chain does
    # not sample from, need not feed generate).
    for before, after in zip(CHAIN, CHAIN[1:]):
        ups = by_job.get(before, [])
        for down in by_job.get(after, []):
            if ups and not any(down in reachable(up) for up in ups):
                errors.append(f"{after} ({down}) is not downstream of {before} ({', '.join(map(str, ups))})")
    return len(tasks), errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dag")
    parser.add_argument("--help-dir", help="folder of <job>.txt files holding each job's --help")
    parser.add_argument("--help-command", default=str(Path(__file__).resolve().parents[2] / "bin" / "alignspark"),
                        help="command that prints '<job> --help' (default: bin/alignspark)")
    options = parser.parse_args()
    count, errors = check(options.dag, options.help_dir, options.help_command)
    for e in errors:
        print("ERROR " + e)
    print(f"{options.dag}: {count} tasks checked, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
