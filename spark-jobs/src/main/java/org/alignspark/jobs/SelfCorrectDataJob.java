package org.alignspark.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.OutputTableOption;
import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.data.AvroBytes;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.Dialogue;
import org.alignspark.data.avro.Turn;
import org.alignspark.executor.ModelRows;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.warehouse.JobRun;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static org.alignspark.cli.OptionChecks.require;
import static org.apache.spark.sql.functions.col;

/**
 * {@code self-correct-data}: SFT data from self-correction traces in the formats of Confidence v.s. Critique
 * (Yang et al. arXiv 2412.19513, docs/spec-data-side.md §3c). CLT (confidence-level tuning): a trace whose first attempt is
 * correct; CST (critique-score tuning): one whose first attempt is wrong. Either becomes the Dialogue
 * {@code user: question / assistant: first attempt / user: correction instruction / assistant: the correct answer}, the
 * loss on the last turn only (train-sft reads Dialogue tables that way). The paper builds these from (question, gold)
 * data; the chat layout, the source of the first attempts (here: the traces' own) and the target wording
 * ({@code --answer-template} around the reference answer) are our reading (§3c [OURS]/[N/F]).
 * <p>
 * {@code --clt-fraction} sets the CLT share of the output (paper's best ≈ 40%, §3c): the largest mix with that share
 * is kept and the surplus of the other kind is left out (counted, chosen by a seeded hash of the trace id). Traces
 * without a reference answer or a verdict on attempt 1 go to {@code <output>_quarantine}.
 */
@Command(name = "self-correct-data", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "CLT (correct first attempt) and CST (wrong first attempt) SFT dialogues from self-correction traces.")
public final class SelfCorrectDataJob implements Callable<Integer> {
    static final String CLT = "clt";
    static final String CST = "cst";
    private static final StructType OUTCOMES = StructType.fromDDL("""
            trace_id STRING NOT NULL, kind STRING, rank STRING NOT NULL, payload BINARY, reason STRING""");

    @Option(names = "--traces", required = true, description = "SelfCorrectionTrace table.")
    String tracesTable;

    @Option(names = "--clt-fraction", defaultValue = "0.4", description = "Share of CLT examples in the mix (0: CST only, 1: CLT only).")
    double cltFraction;

    @Option(names = "--instruction", defaultValue = "trace",
            description = "User turn before the target: 'trace' (the trace's own, SCoRe's when it has none), 'reask', or a text.")
    String instruction;

    @Option(names = "--answer-template", defaultValue = "{answer}", description = "The target turn; {answer} is the reference answer.")
    String answerTemplate;

    @Option(names = "--seed", defaultValue = "42", description = "Which surplus examples are left out of the mix.")
    long seed;

    @Mixin JobOptions job;
    @Mixin OutputTableOption outputTable;

    @Override
    public Integer call() {
        require(cltFraction >= 0 && cltFraction <= 1, "--clt-fraction must lie in [0, 1]");
        require(answerTemplate.contains("{answer}"), "--answer-template needs {answer}");
        JobRun run = job.start(outputTable.table());
        String instructionOption = instruction;
        String template = answerTemplate;
        long mixSeed = seed;
        Dataset<Row> outcomes = run.read(tracesTable)
                .map((org.apache.spark.api.java.function.MapFunction<Row, Row>) r -> convert(r, instructionOption, template, mixSeed),
                        Encoders.row(OUTCOMES))
                .persist(StorageLevel.MEMORY_AND_DISK());
        long clt = outcomes.filter(col("kind").equalTo(CLT)).count();
        long cst = outcomes.filter(col("kind").equalTo(CST)).count();
        long rejected = outcomes.filter(col("kind").isNull()).count();
        long[] kept = mix(clt, cst, cltFraction);
        Dataset<Row> chosen = outcomes.filter(col("kind").equalTo(CLT)).orderBy("rank").limit((int) kept[0])
                .union(outcomes.filter(col("kind").equalTo(CST)).orderBy("rank").limit((int) kept[1]));
        Dataset<Row> dialogues = AvroColumns.decode(chosen.select("payload"), "payload", DatasetKind.DIALOGUE.schema());
        run.overwrite(dialogues, run.table(), kept[0] + kept[1] == 0);
        run.overwrite(outcomes.filter(col("kind").isNull()).select("trace_id", "reason"), outputTable.beside("quarantine"), rejected == 0);
        outcomes.unpersist();
        System.out.printf("self-correct-data: %d CLT and %d CST candidates; kept %d CLT + %d CST (CLT share %.3f), "
                        + "left out %d surplus, %d traces quarantined%n", clt, cst, kept[0], kept[1],
                kept[0] + kept[1] == 0 ? Double.NaN : kept[0] / (double) (kept[0] + kept[1]),
                clt + cst - kept[0] - kept[1], rejected);
        // job_runs has no column for a mix's surplus: it is counted with the duplicates so that the row accounting balances
        System.out.println(run.record(clt + cst + rejected, kept[0] + kept[1], rejected, clt + cst - kept[0] - kept[1], 0).summary());
        return 0;
    }

    /**
     * How many CLT and CST examples to keep: the largest total T with round(f·T) CLT and the rest CST that the
     * candidates allow; f = 0 or 1 keeps every candidate of the one kind.
     */
    static long[] mix(long clt, long cst, double fraction) {
        if (fraction == 0) {
            return new long[] {0, cst};
        }
        if (fraction == 1) {
            return new long[] {clt, 0};
        }
        long total = (long) Math.floor(Math.min(clt / fraction, cst / (1 - fraction)) + 1e-9);
        long keepClt = Math.min(clt, Math.round(fraction * total));
        return new long[] {keepClt, Math.min(cst, total - keepClt)};
    }

    private static Row convert(Row trace, String instructionOption, String template, long seed) {
        String traceId = trace.getAs("trace_id");
        String rank = PromptIds.contentId(seed, traceId);
        String reference = trace.getAs("reference_answer");
        List<Row> attempts = trace.getList(trace.fieldIndex("attempts"));
        if (reference == null || reference.isBlank()) {
            return RowFactory.create(traceId, null, rank, null, "no reference answer");
        }
        if (attempts.isEmpty() || attempts.get(0).getAs("correct") == null) {
            return RowFactory.create(traceId, null, rank, null, "attempt 1 has no verdict");
        }
        Row first = attempts.get(0);
        boolean correct = first.getAs("correct");
        List<Message> prompt = ModelRows.messages(trace, "prompt");
        String recorded = List.of(trace.schema().fieldNames()).contains("correction_instruction") ? trace.getAs("correction_instruction") : null;
        CorrectionInstruction instruction = instructionOption.equals("trace")
                ? (recorded == null ? CorrectionInstruction.SCORE : new CorrectionInstruction(recorded, false))
                : CorrectionInstruction.parse(instructionOption);
        List<Turn> turns = new ArrayList<>();
        instruction.secondTurnPrompt(prompt, first.getAs("text")).forEach(m -> turns.add(new Turn(m.role(), m.content())));
        String target = template.replace("{answer}", reference);
        String promptId = PromptIds.promptId(turns);
        String kind = correct ? CLT : CST;
        Dialogue dialogue = new Dialogue(PromptIds.contentId(promptId, target, traceId), promptId, turns, target, kind,
                trace.getAs("split"));
        return RowFactory.create(traceId, kind, rank, new AvroBytes().encode(dialogue), null);
    }
}
