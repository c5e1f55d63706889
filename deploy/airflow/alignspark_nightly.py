"""The nightly alignspark chain as an Airflow DAG: one SparkSubmitOperator per job, each on the night's partition.

    ingest -> generate -> flr-score -> flr-mine -> ches -> ref-logprobs -> train-rm -> train-dpo
           -> eval-rm, eval-policy, self-correct-eval (on the night's ingested self-correction prompts) -> report

A second DAG, alignspark_pipeline (triggered by hand, no schedule), runs a whole chain from a pipeline YAML in one
Spark application: `pipeline --config <Airflow variable alignspark_pipeline_config> --dt {{ ds }}`, skipping the
steps already complete for that date, so clearing a failed run resumes at the failed step (conf/demo.yaml shows the
format).

Every task runs `org.alignspark.Main <job> ... --dt {{ ds }}` from the shaded jar. Steps that run a model
(sampling, scoring, hidden states, training, evaluation) take a slot of the `gpu` pool and run on the `cuda`
image with GPU executors; the others run on the CPU image. Airflow 2.x (SLAs are per task).
deploy/airflow/check_dag.py checks every task's options against the jobs' own --help.
"""
from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

WAREHOUSE = "{{ var.value.get('alignspark_warehouse', 's3a://alignspark/warehouse') }}"
MODELS = "{{ var.value.get('alignspark_models', 's3a://alignspark/models') }}"
RAW = "{{ var.value.get('alignspark_raw', 's3a://alignspark/raw') }}"
REPORTS = "{{ var.value.get('alignspark_reports', 's3a://alignspark/reports') }}"
PIPELINE_CONFIG = "{{ var.value.get('alignspark_pipeline_config', 's3a://alignspark/conf/nightly.yaml') }}"
JAR = "local:///opt/alignspark/alignspark.jar"
IMAGE = "alignspark:0.1.0"
CUDA_IMAGE = "alignspark:0.1.0-cuda"

# Spark 3.5 on Java 17 needs these opens on the driver and the executors (as deploy/spark-submit/alignspark-submit).
JAVA_OPTS = " ".join(
    "--add-opens=java.base/" + p + "=ALL-UNNAMED"
    for p in ["java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
              "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch", "sun.nio.cs",
              "sun.security.action", "sun.util.calendar"])
CPU_CONF = {
    "spark.kubernetes.container.image": IMAGE,
    "spark.driver.extraJavaOptions": JAVA_OPTS,
    "spark.executor.extraJavaOptions": JAVA_OPTS,
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.executorEnv.OMP_NUM_THREADS": "1",
}
GPU_CONF = {
    **CPU_CONF,
    "spark.kubernetes.container.image": CUDA_IMAGE,
    "spark.executor.resource.gpu.amount": "1",
    "spark.executor.resource.gpu.vendor": "nvidia.com",
    "spark.executor.resource.gpu.discoveryScript": "/opt/spark/examples/src/main/scripts/getGpusResources.sh",
    "spark.task.resource.gpu.amount": "1",
}
CPU = {"application": JAR, "java_class": "org.alignspark.Main", "conn_id": "spark_k8s", "conf": CPU_CONF,
       "driver_memory": "4g", "executor_memory": "8g", "executor_cores": 2, "num_executors": 4}
GPU = {**CPU, "conf": GPU_CONF, "executor_memory": "24g", "executor_cores": 4, "num_executors": 2, "pool": "gpu"}

with DAG(
    dag_id="alignspark_nightly",
    description="ingest, generate, FLR, CHES, reward model and policy training, evaluation and report for one night",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=20),
    default_args={
        "owner": "alignspark",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "retry_exponential_backoff": True,
        "sla": timedelta(hours=2),
    },
    tags=["alignspark", "spark"],
) as dag:
    ingest = SparkSubmitOperator(
        task_id="ingest",
        application_args=["ingest", "--format", "hh-rlhf", "--input", RAW + "/hh-rlhf/dt={{ ds }}/*.jsonl.gz",
                          "--dataset", "raw_pairs", "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=1),
        **CPU,
    )
    generate = SparkSubmitOperator(
        task_id="generate",
        application_args=["generate", "--prompts", "raw_pairs", "--split", "train", "--policy", MODELS + "/policy/current",
                          "--k", "4", "--output", "candidates", "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=4),
        **GPU,
    )
    flr_score = SparkSubmitOperator(
        task_id="flr_score",
        application_args=["flr-score", "--responses", "candidates", "--scorer", MODELS + "/flr-scorer",
                          "--output", "flr_scores", "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=6),
        **GPU,
    )
    flr_mine = SparkSubmitOperator(
        task_id="flr_mine",
        application_args=["flr-mine", "--input", "flr_scores", "--output", "flr_pairs", "--min-margin", "0.1",
                          "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=7),
        **CPU,
    )
    ches = SparkSubmitOperator(
        task_id="ches",
        application_args=["ches", "--pairs", "flr_pairs", "--model", MODELS + "/policy/current", "--score", "ln_ches",
                          "--drop", "highest-fraction=0.1", "--output", "ches_pairs", "--dt", "{{ ds }}",
                          "--warehouse", WAREHOUSE],
        sla=timedelta(hours=8),
        **GPU,
    )
    ref_logprobs = SparkSubmitOperator(
        task_id="ref_logprobs",
        application_args=["ref-logprobs", "--input", "ches_pairs", "--reference-model", MODELS + "/policy/current",
                          "--output", "ches_pairs_ref", "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=9),
        **GPU,
    )
    train_rm = SparkSubmitOperator(
        task_id="train_rm",
        application_args=["train-rm", "--pairs", "ches_pairs", "--base-model", MODELS + "/policy/current",
                          "--loss", "bt", "--output", MODELS + "/rm/{{ ds }}", "--run-id", "rm", "--workers", "2",
                          "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=12),
        **GPU,
    )
    train_policy = SparkSubmitOperator(
        task_id="train_policy",
        application_args=["train-dpo", "--input", "ches_pairs_ref", "--base-model", MODELS + "/policy/current",
                          "--loss", "sigmoid", "--beta", "0.1", "--output", MODELS + "/policy/{{ ds }}",
                          "--run-id", "policy", "--workers", "2", "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=15),
        **GPU,
    )
    eval_rm = SparkSubmitOperator(
        task_id="eval_rm",
        application_args=["eval-rm", "--pairs", "ches_pairs", "--split", "test", "--reward-model", MODELS + "/rm/{{ ds }}",
                          "--output", "rm_eval", "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=16),
        **GPU,
    )
    eval_policy = SparkSubmitOperator(
        task_id="eval_policy",
        application_args=["eval-policy", "--pairs", "ches_pairs_ref", "--split", "test",
                          "--policy", MODELS + "/policy/{{ ds }}", "--reference", MODELS + "/policy/current",
                          "--reward-model", MODELS + "/rm/{{ ds }}", "--output", "policy_implicit_rewards",
                          "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=17),
        **GPU,
    )
    ingest_self_correction = SparkSubmitOperator(
        task_id="ingest_self_correction",
        application_args=["ingest", "--format", "self-correction", "--input",
                          RAW + "/self-correction/dt={{ ds }}/*.jsonl.gz", "--dataset", "self_correction",
                          "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=1),
        **CPU,
    )
    self_correct_eval = SparkSubmitOperator(
        task_id="self_correct_eval",
        application_args=["self-correct-eval", "--prompts", "self_correction", "--split", "test",
                          "--policy", MODELS + "/policy/{{ ds }}", "--verifier", "numeric",
                          "--output", "self_correction_eval", "--dt", "{{ ds }}", "--warehouse", WAREHOUSE],
        sla=timedelta(hours=17),
        **GPU,
    )
    report = SparkSubmitOperator(
        task_id="report",
        application_args=["report", "--dt", "{{ ds }}", "--run", "{{ run_id }}", "--output", REPORTS + "/{{ ds }}",
                          "--flr-table", "flr_scores", "--pairs-table", "flr_pairs", "--ches-table", "ches_pairs",
                          "--rm-run", "rm", "--policy-run", "policy", "--rm-eval-table", "rm_eval",
                          "--policy-eval-table", "policy_eval", "--self-correct-table", "self_correction_metrics",
                          "--warehouse", WAREHOUSE],
        sla=timedelta(hours=18),
        trigger_rule="all_done",
        **CPU,
    )

    ingest >> generate >> flr_score >> flr_mine >> ches >> ref_logprobs >> train_rm >> train_policy
    train_rm >> eval_rm
    train_policy >> eval_policy
    [train_policy, ingest_self_correction] >> self_correct_eval
    [eval_rm, eval_policy, self_correct_eval] >> report

with DAG(
    dag_id="alignspark_pipeline",
    description="a whole chain from a pipeline YAML in one Spark application, resuming at the first incomplete step",
    schedule=None,
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=20),
    default_args={"owner": "alignspark", "retries": 1, "retry_delay": timedelta(minutes=10)},
    tags=["alignspark", "spark", "pipeline"],
) as pipeline_dag:
    SparkSubmitOperator(
        task_id="pipeline",
        application_args=["pipeline", "--config", PIPELINE_CONFIG, "--dt", "{{ ds }}", "--run-id", "{{ run_id }}",
                          "--warehouse", WAREHOUSE],
        **GPU,
    )
