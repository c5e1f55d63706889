package org.alignspark.jobs;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.alignspark.Main;
import org.alignspark.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ref-logprobs, ches and flr-score jobs against an independent PyTorch reference (tools/golden/make_job_golden.py):
 * a committed byte-vocabulary GPT-2 folder, TRL pairs (standard, conversational with a system turn, multi-turn,
 * implicit prompt), and the reference's completion log-probs, CHES / LN-CHES with the authors' |y| + 1 rows, and FLR
 * per category and pooled, standard and role-swapped, with Direct. Every row is compared at 1e-4.
 */
class GoldenJobsTest {
    private static final String DT = "2026-11-27";
    private static final double TOLERANCE = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path golden;
    private JsonNode reference;
    private String warehouse;
    private SparkSession spark;

    @BeforeEach
    void ingest() throws IOException, URISyntaxException {
        golden = Path.of(getClass().getResource("/golden-jobs").toURI());
        reference = JSON.readTree(golden.resolve("golden.json").toFile());
        spark = TestSpark.session();
        warehouse = tmp.resolve("warehouse").toString();
        assertEquals(0, Main.run("ingest", "--format", "trl", "--input", golden.resolve("pairs.jsonl").toString(),
                "--dataset", "gold", "--dt", DT, "--warehouse", warehouse));
    }

    /** The committed model folder with a ChatML chat_template in its tokenizer_config.json (same weights and vocabulary). */
    private Path chatmlModel() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("gpt2-chatml"));
        try (var files = Files.list(golden.resolve("gpt2-byte"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, folder.resolve(f.getFileName()));
            }
        }
        ObjectNode config = (ObjectNode) JSON.readTree(folder.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", reference.get("chatml_chat_template").asText());
        JSON.writeValue(folder.resolve("tokenizer_config.json").toFile(), config);
        return folder;
    }

    private Row pairRow(String table, String columns, JsonNode row) {
        List<Row> rows = spark.table(table).where(org.apache.spark.sql.functions.col("chosen").equalTo(row.get("chosen").asText())
                .and(org.apache.spark.sql.functions.col("rejected").equalTo(row.get("rejected").asText())))
                .selectExpr(columns.split(",\\s*")).collectAsList();
        assertEquals(1, rows.size(), "rows of " + table + " for " + row.get("chosen"));
        return rows.get(0);
    }

    @Test
    void refLogprobsEqualTheReferenceCompletionLogProbsUnderBothTemplates() throws IOException {
        String byteModel = golden.resolve("gpt2-byte").toString();
        String chatml = chatmlModel().toString();
        for (String[] run : new String[][] {
                {"byte", byteModel, "batched"}, {"chatml", chatml, "batched"},
                {"byte", byteModel, "prefix-cache"}, {"chatml", chatml, "prefix-cache"}}) {
            String table = "gold_ref_" + run[0] + "_" + run[2].replace('-', '_');
            assertEquals(0, Main.run("ref-logprobs", "--pairs", "gold", "--dt", DT, "--reference-model", run[1],
                    "--output", table, "--warehouse", warehouse, "--batch-size", "3", "--scoring", run[2]));
            assertEquals(reference.get("rows").size(), spark.table(table).count());
            for (JsonNode row : reference.get("rows")) {
                JsonNode expected = row.get(run[0]);
                Row got = pairRow(table, "ref_logp_chosen, ref_logp_rejected, chosen_tokens, rejected_tokens", row);
                String what = run[0] + " " + run[2] + " " + row.get("chosen");
                if (run[2].equals("prefix-cache")) {   // the prompt computed once: the uncached per-token means to 1e-5
                    Row batched = pairRow("gold_ref_" + run[0] + "_batched", "ref_logp_chosen, ref_logp_rejected", row);
                    assertEquals(batched.getDouble(0) / got.getInt(2), got.getDouble(0) / got.getInt(2), 1e-5, what);
                    assertEquals(batched.getDouble(1) / got.getInt(3), got.getDouble(1) / got.getInt(3), 1e-5, what);
                }
                assertEquals(expected.get("chosen").get("tokens").asInt(), got.getInt(2), what);
                assertEquals(expected.get("rejected").get("tokens").asInt(), got.getInt(3), what);
                assertEquals(expected.get("chosen").get("sum").asDouble(), got.getDouble(0), TOLERANCE, what);
                assertEquals(expected.get("rejected").get("sum").asDouble(), got.getDouble(1), TOLERANCE, what);
                assertEquals(expected.get("chosen").get("mean").asDouble(), got.getDouble(0) / got.getInt(2), TOLERANCE, what);
                assertEquals(expected.get("rejected").get("mean").asDouble(), got.getDouble(1) / got.getInt(3), TOLERANCE, what);
            }
        }
    }

    @Test
    void chesEqualsTheReferenceWithTheAuthorsRowsUnderBothTemplates() throws IOException {
        String byteModel = golden.resolve("gpt2-byte").toString();
        String chatml = chatmlModel().toString();
        for (String[] run : new String[][] {{"byte", byteModel, "batched"}, {"chatml", chatml, "batched"},
                {"byte", byteModel, "prefix-cache"}, {"chatml", chatml, "prefix-cache"}}) {
            String table = "gold_ches_" + run[0] + "_" + run[2].replace('-', '_');
            assertEquals(0, Main.run("ches", "--pairs", "gold", "--dt", DT, "--model", run[1], "--output", table,
                    "--warehouse", warehouse, "--batch-size", "3", "--scoring", run[2]));
            for (JsonNode row : reference.get("rows")) {
                JsonNode expected = row.get(run[0]).get("ches");
                Row got = pairRow(table, "ches, ln_ches", row);
                String what = run[0] + " " + run[2] + " " + row.get("chosen");
                if (run[2].equals("prefix-cache")) {   // the prompt computed once, shared by both sides: the batched rows to 1e-5
                    Row batched = pairRow("gold_ches_" + run[0] + "_batched", "ches, ln_ches", row);
                    assertEquals(batched.getDouble(0), got.getDouble(0), 1e-5 * Math.max(1, Math.abs(batched.getDouble(0))), what);
                    assertEquals(batched.getDouble(1), got.getDouble(1), 1e-5, what);
                }
                // CHES sums |y|+1 states of norm ~4: compare relative to its size (float32 states), LN-CHES absolutely.
                double ches = expected.get("ches").asDouble();
                assertEquals(ches, got.getDouble(0), TOLERANCE * Math.max(1, Math.abs(ches)), what + " ches");
                assertEquals(expected.get("ln_ches").asDouble(), got.getDouble(1), TOLERANCE, what + " ln_ches");
            }
        }
    }

    @Test
    void flrScoreEqualsTheReferencePerCategoryPooledRoleSwappedAndDirect() {
        String model = golden.resolve("gpt2-byte").toString();
        String followUps = golden.resolve("follow-ups.json").toString();
        String[][] runs = {
                {"standard", "pooled", "--template", "standard"},
                {"role_swapped", "pooled", "--template", "role-swapped"},
                {"standard_no_end_of_turn", "category_mean", "--include-end-of-turn", "false", "--aggregation", "category-mean"},
        };
        for (String[] run : runs) {
            String table = "gold_flr_" + run[0];
            List<String> args = new java.util.ArrayList<>(List.of("flr-score", "--responses", "gold", "--dt", DT, "--scorer", model,
                    "--follow-ups", followUps, "--output", table, "--warehouse", warehouse));
            args.addAll(List.of(run).subList(2, run.length));
            assertEquals(0, Main.run(args.toArray(String[]::new)));
            assertEquals(2L * reference.get("rows").size(), spark.table(table).count());
            for (JsonNode row : reference.get("rows")) {
                for (String side : List.of("chosen", "rejected")) {
                    JsonNode expected = row.get("flr").get(side).get(run[0]);
                    Row got = spark.sql("SELECT f.flr, f.positive_mean, f.negative_mean, f.category_scores, f.direct FROM " + table
                            + " f JOIN gold g ON f.response_id = concat(g.pair_id, ':" + side + "') WHERE g.chosen = '"
                            + row.get("chosen").asText().replace("'", "\\'") + "'").first();
                    String what = run[0] + " " + side + " of " + row.get("chosen");
                    assertEquals(expected.get("flr_" + run[1]).asDouble(), got.getDouble(0), TOLERANCE, what + " flr");
                    assertEquals(expected.get("positive_mean").asDouble(), got.getDouble(1), TOLERANCE, what + " positive");
                    assertEquals(expected.get("negative_mean").asDouble(), got.getDouble(2), TOLERANCE, what + " negative");
                    Map<String, Double> categories = got.getJavaMap(3);
                    assertEquals(expected.get("category_scores").size(), categories.size(), what);
                    expected.get("category_scores").fields().forEachRemaining(e ->
                            assertEquals(e.getValue().asDouble(), categories.get(e.getKey()), TOLERANCE, what + " " + e.getKey()));
                    assertEquals(expected.get("direct").asDouble(), got.getDouble(4), TOLERANCE, what + " direct");
                }
            }
        }
    }
}
