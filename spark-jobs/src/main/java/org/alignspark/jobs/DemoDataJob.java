package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.rewards.FollowUpLikelihoodReward;
import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.tokenizer.WordLevelTokenizerWriter;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.demo.ArithmeticWorld;
import org.alignspark.data.demo.DemoWorld;
import org.alignspark.flr.FollowUps;
import org.alignspark.warehouse.AvroColumns;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code demo-data}: writes the demo world's tables (DemoWorld): {@code <prefix>_scorer_dialogues} to fine-tune an FLR
 * scorer on user reactions (role-swapped layout), {@code <prefix>_pairs} of human-labelled pairs (correct chosen over
 * wrong), {@code <prefix>_candidates} with K candidate answers per question for FLR mining, {@code <prefix>_policy_sft}
 * question-answering dialogues (some answers right, some wrong) to fine-tune a base policy; and the arithmetic
 * world (ArithmeticWorld): {@code <prefix>_arithmetic_traces}, judged two-attempt traces whose prompts carry reference
 * answers (self-correct-eval, train-score, self-correct-data read them), and {@code <prefix>_arithmetic_sft}, dialogues
 * that fine-tune a base policy behaving like the simulated one.
 */
@Command(name = "demo-data", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Generate the deterministic demo world: scorer dialogues, labelled pairs and candidate answers.")
public final class DemoDataJob implements Callable<Integer> {
    /** Shorter than the FLR code's request: every scorer dialogue starts with it, and a tiny scorer trains on them. */
    static final String DEMO_FEEDBACK_REQUEST = "Quiz me and judge my answer.";

    @Option(names = "--prefix", defaultValue = "demo", description = "Table name prefix.")
    String prefix;

    @Option(names = "--seed", defaultValue = "7", description = "The world's seed.")
    long seed;

    @Option(names = "--dialogues", defaultValue = "2000", description = "Scorer training dialogues.")
    int dialogues;

    @Option(names = "--pairs", defaultValue = "64", description = "Labelled pairs.")
    int pairs;

    @Option(names = "--pairs-test-fraction", defaultValue = "0",
            description = "Share of the labelled pairs' questions (by prompt id) in the test split, held out for eval-rm and eval-policy.")
    double pairsTestFraction;

    @Option(names = "--scorer-holds-out",
            description = "Leave the labelled pairs' test questions out of the scorer's dialogues too, so flr-eval --split test "
                    + "measures FLR on questions the scorer never saw answered.")
    boolean scorerHoldsOut;

    @Option(names = "--k", defaultValue = "4", description = "Candidate answers per question.")
    int k;

    @Option(names = "--policy-dialogues", defaultValue = "1000", description = "Question-answering dialogues to fine-tune a base policy on.")
    int policyDialogues;

    @Option(names = "--policy-correct-share", defaultValue = "0.7", description = "Share of those dialogues whose answer is right.")
    double policyCorrectShare;

    @Option(names = "--follow-ups", defaultValue = "demo-world",
            description = "How the world's users react: a follow-up file or bundled set, as flr-score's --follow-ups; score with the same.")
    String followUpsFile;

    @Option(names = "--feedback-request", defaultValue = DEMO_FEEDBACK_REQUEST,
            description = "Opening turn of the scorer dialogues (role-swapped layout); pass it to flr-score's --feedback-request.")
    String feedbackRequest;

    @Option(names = "--arithmetic-traces", defaultValue = "400",
            description = "Self-correction traces of the simulated arithmetic policy (and twice as many SFT dialogues); 0: none.")
    int arithmeticTraces;

    @Option(names = "--arithmetic-max-operand", defaultValue = "9", description = "Arithmetic questions a + b with a, b up to this.")
    int arithmeticMaxOperand;

    @Option(names = "--arithmetic-max-second-operand", description = "Largest b of a + b (default: --arithmetic-max-operand); 0: adding zero only.")
    Integer arithmeticMaxSecondOperand;

    @Option(names = "--arithmetic-first-accuracy", defaultValue = "0.5", description = "Simulated policy: chance that attempt 1 is right.")
    double arithmeticFirstAccuracy;

    @Option(names = "--arithmetic-fix-rate", defaultValue = "0.25", description = "Simulated policy: chance that attempt 2 corrects a wrong attempt 1 (else a copy).")
    double arithmeticFixRate;

    @Option(names = "--arithmetic-break-rate", defaultValue = "0.0",
            description = "Simulated policy: chance that attempt 2 turns a right attempt 1 wrong (else a copy).")
    double arithmeticBreakRate;

    @Option(names = "--arithmetic-instruction", defaultValue = "score",
            description = "Correction instruction of the arithmetic traces and dialogues: 'score' (SCoRe's), 'reask', or a text.")
    String arithmeticInstruction;

    @Option(names = "--arithmetic-format", defaultValue = "prose",
            description = "Wording of the arithmetic world: prose (\"What is 7 + 5?\" / \"The answer is 12.\") or terse (\"7+5\" / \"12\").")
    String arithmeticFormat;

    @Option(names = "--test-fraction", defaultValue = "0.25", description = "Share of arithmetic questions held out (split test).")
    double testFraction;

    @Option(names = "--tokenizer-output",
            description = "Also write a word-level tokenizer of every word in the world (and in the bundled follow-up sets) to this folder, "
                    + "for init-model / train-sft --tokenizer: one token per word keeps tiny models' sequences short.")
    String tokenizerOutput;

    @Mixin JobOptions job;

    @Override
    public Integer call() {
        String dt = job.dt();
        Warehouse.checkTableName(prefix + "_scorer_dialogues");
        List<DemoWorld.FollowUp> followUps = FollowUps.read(followUpsFile).stream()
                .map(f -> new DemoWorld.FollowUp(f.text(), f.positive())).toList();
        DemoWorld world = new DemoWorld(seed, followUps, feedbackRequest);
        Warehouse warehouse = job.open();
        SparkSession spark = warehouse.spark();
        WordLevelTokenizerWriter vocabulary = new WordLevelTokenizerWriter();
        var scorerDialogues = world.scorerDialogues(dialogues, scorerHoldsOut ? pairsTestFraction : 0);
        var labelled = world.labelledPairs(pairs, pairsTestFraction);
        var policySft = world.policyDialogues(policyDialogues, policyCorrectShare);
        var candidates = world.candidates(k);
        List.of(scorerDialogues, labelled, candidates, policySft).forEach(records -> addText(vocabulary, records));
        warehouse.overwritePartition(AvroColumns.fromRecords(spark, scorerDialogues, DatasetKind.DIALOGUE.schema()),
                prefix + "_scorer_dialogues", dt, dialogues == 0);
        warehouse.overwritePartition(AvroColumns.fromRecords(spark, labelled, DatasetKind.PREFERENCE_PAIR.schema()),
                prefix + "_pairs", dt, pairs == 0);
        warehouse.overwritePartition(AvroColumns.fromRecords(spark, candidates, DatasetKind.RANKED_RESPONSES.schema()),
                prefix + "_candidates", dt, false);
        warehouse.overwritePartition(AvroColumns.fromRecords(spark, policySft, DatasetKind.DIALOGUE.schema()), prefix + "_policy_sft", dt, policyDialogues == 0);
        if (arithmeticTraces > 0) {
            ArithmeticWorld arithmetic = new ArithmeticWorld(seed, arithmeticMaxOperand,
                    arithmeticMaxSecondOperand == null ? arithmeticMaxOperand : arithmeticMaxSecondOperand,
                    new ArithmeticWorld.SimulatedPolicy(arithmeticFirstAccuracy, arithmeticFixRate, arithmeticBreakRate), testFraction,
                    ArithmeticWorld.Format.parse(arithmeticFormat));
            CorrectionInstruction instruction = CorrectionInstruction.parse(arithmeticInstruction);
            var traces = arithmetic.traces(arithmeticTraces, instruction);
            var sft = arithmetic.policyDialogues(arithmeticTraces, instruction);
            addText(vocabulary, traces);
            addText(vocabulary, sft);
            warehouse.overwritePartition(AvroColumns.fromRecords(spark, traces, DatasetKind.SELF_CORRECTION_TRACE.schema()),
                    prefix + "_arithmetic_traces", dt, false);
            warehouse.overwritePartition(AvroColumns.fromRecords(spark, sft, DatasetKind.DIALOGUE.schema()),
                    prefix + "_arithmetic_sft", dt, false);
            System.out.printf("arithmetic world: %d questions, %d self-correction traces, %d SFT dialogues%n",
                    arithmetic.questions().size(), arithmeticTraces, 2 * arithmeticTraces);
        }
        if (tokenizerOutput != null) {
            for (String set : FollowUps.BUNDLED.keySet()) {
                FollowUps.read(set).forEach(f -> vocabulary.add(f.text()));
            }
            vocabulary.add(feedbackRequest).add(FollowUpLikelihoodReward.FEEDBACK_REQUEST);
            try {
                vocabulary.save(ModelFolder.of(tokenizerOutput));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write the tokenizer to " + tokenizerOutput, e);
            }
            System.out.printf("word-level tokenizer of the world: %d tokens, in %s%n", vocabulary.vocabSize(), tokenizerOutput);
        }
        System.out.printf("demo world (seed %d): %d scorer dialogues, %d labelled pairs, %d questions x %d candidates, %d policy dialogues%n",
                seed, dialogues, pairs, DemoWorld.FACTS.size(), k, policyDialogues);
        return 0;
    }

    /** Every text inside Avro records (nested records, arrays and maps included), ids and sources aside, into the vocabulary. */
    private static void addText(WordLevelTokenizerWriter vocabulary, Object value) {
        if (value instanceof CharSequence text) {
            vocabulary.add(text.toString());
        } else if (value instanceof org.apache.avro.generic.IndexedRecord record) {
            for (org.apache.avro.Schema.Field field : record.getSchema().getFields()) {
                if (!field.name().endsWith("_id") && !field.name().equals("id") && !field.name().equals("source")) {   // hashes, not words
                    addText(vocabulary, record.get(field.pos()));
                }
            }
        } else if (value instanceof java.util.Collection<?> items) {
            items.forEach(item -> addText(vocabulary, item));
        } else if (value instanceof java.util.Map<?, ?> map) {
            map.values().forEach(item -> addText(vocabulary, item));
        }
    }
}
