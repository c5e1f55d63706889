package org.alignspark.jobs;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.alignspark.cli.JobOptions;
import org.alignspark.cli.PolicyTrainerOptions;
import org.alignspark.common.objectives.ListRankingLoss;
import org.alignspark.common.policy.ListRankingObjective;
import org.alignspark.common.policy.RankedList;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.executor.ModelRows;
import org.alignspark.train.ExampleTable;
import org.alignspark.train.PolicyTrainer;

import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train-list-ranking}: preference-list ranking (TPO's list objective, docs/spec-objectives.md §5) on ranked
 * responses: every response's label is its score where all have one, else its negated rank. A list whose responses all
 * share one label holds no ordered pair and is quarantined.
 */
@Command(name = "train-list-ranking", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "List-ranking preference optimization (TPO's list objective) on ranked responses, by parameter averaging.")
public final class TrainListRankingJob implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "ref-logprobs' output over a RankedResponses table.")
    String inputTable;

    @Option(names = "--ranking-weighting", defaultValue = "uniform", description = "uniform (mean over ordered pairs) or lambda (LiPO-λ weights).")
    String rankingWeighting;

    @Mixin JobOptions job;
    @Mixin PolicyTrainerOptions training;

    @Override
    public Integer call() {
        ListRankingLoss.Config config = new ListRankingLoss.Config(training.beta(),
                ListRankingLoss.Weighting.valueOf(rankingWeighting.toUpperCase(Locale.ROOT)));
        PolicyTrainer policy = training.trainer(job, inputTable);
        ExampleTable<RankedList> lists = policy.examples(
                policy.train(List.of("list_id", "prompt", "responses", "ref_logps")).select("list_id", "prompt", "responses", "ref_logps"),
                "list_id", (encoder, r) -> {
                    List<Message> prompt = ModelRows.messages(r, "prompt");
                    List<Row> responses = r.getList(r.fieldIndex("responses"));
                    int[][] tokens = new int[responses.size()][];
                    for (int k = 0; k < tokens.length; k++) {
                        tokens[k] = encoder.completion(prompt, responses.get(k).getAs("text"));
                    }
                    double[] ref = r.<Double>getList(r.fieldIndex("ref_logps")).stream().mapToDouble(Double::doubleValue).toArray();
                    RankedList list = new RankedList(r.getAs("list_id"), encoder.prompt(prompt), tokens,
                            preferenceLabels(r.getAs("list_id"), responses), ref);
                    if (!list.hasOrderedPair()) {
                        throw new ExampleTable.Rejected("every response shares one score: the list holds no ordered pair");
                    }
                    return list;
                }, l -> l.prompt().length + Arrays.stream(l.responses()).mapToInt(x -> x.length).max().orElse(0));
        policy.fit(lists, new ListRankingObjective(config, policy.padId()), "list-ranking/" + rankingWeighting, null);
        return 0;
    }

    /** ψ per response: the scores where every response has one, else the negated ranks (1 is best); else an error. */
    static double[] preferenceLabels(String listId, List<Row> responses) {
        double[] labels = new double[responses.size()];
        boolean scores = responses.stream().allMatch(x -> x.getAs("score") != null);
        boolean ranks = responses.stream().allMatch(x -> x.getAs("rank") != null);
        if (!scores && !ranks) {
            throw new IllegalArgumentException("list " + listId + " has responses without a score or a rank; "
                    + "list-ranking needs every response scored or ranked");
        }
        for (int k = 0; k < labels.length; k++) {
            labels[k] = scores ? responses.get(k).<Double>getAs("score") : -responses.get(k).<Integer>getAs("rank");
        }
        return labels;
    }
}
