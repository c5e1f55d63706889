package org.alignspark.common.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.tokenizer.ByteTokenizer;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * CompletionLogProbs itself against the independent PyTorch reference of tools/golden/make_job_golden.py: the
 * committed byte-vocabulary GPT-2 (spark-jobs/src/test/resources/golden-jobs, shared with GoldenJobsTest), chat-rendered
 * prompts and TRL-style completions under the byte and ChatML templates (system turn, multi-turn, implicit prompt), all
 * rows in one padded batch. The template's token ids, every completion token's log-prob, the sums and means must match.
 */
class CompletionLogProbsGoldenTest {
    private static final Path ROOT = Path.of(System.getProperty("alignspark.root", ".."));
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0} template, {1} padding")
    @CsvSource({"byte, RIGHT", "byte, LEFT", "chatml, RIGHT", "chatml, LEFT"})
    void completionLogProbsMatchTheReference(String template, Batch.Padding padding) throws Exception {
        Path golden = ROOT.resolve("spark-jobs/src/test/resources/golden-jobs");
        JsonNode reference = new ObjectMapper().readTree(golden.resolve("golden.json").toFile());
        CausalLM lm = HfCheckpoint.load(ModelFolder.local(golden.resolve("gpt2-byte")), DataType.FLOAT);
        ByteTokenizer tokenizer = new ByteTokenizer();
        ChatEncoder encoder = new ChatEncoder(tokenizer, template.equals("byte") ? ChatTemplate.BYTE : ChatTemplate.CHATML);

        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        List<JsonNode> expected = new ArrayList<>();
        for (JsonNode row : reference.get("rows")) {
            List<Message> prompt = new ArrayList<>();
            row.get("prompt").forEach(m -> prompt.add(new Message(m.get("role").asText(), m.get("content").asText())));
            for (String side : List.of("chosen", "rejected")) {
                JsonNode e = row.get(template).get(side);
                int[] p = ints(e.get("prompt_ids"));
                int[] c = ints(e.get("completion_ids"));
                // The template renders and splits as the reference's own implementation of its documented format.
                assertArrayEquals(p, encoder.prompt(prompt), template + " prompt of " + row.get(side));
                assertArrayEquals(c, encoder.completion(prompt, row.get(side).asText()), template + " completion of " + row.get(side));
                prompts.add(p);
                completions.add(c);
                expected.add(e);
            }
        }
        CompletionLogProbs scored = CompletionLogProbs.forward(lm, prompts, completions, padding, tokenizer.padId());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            double[] tokens = scored.tokenLogProbs(i);
            assertEquals(e.get("tokens").asInt(), scored.lengths()[i], "row " + i);
            assertEquals(e.get("token_log_probs").size(), tokens.length, "row " + i);
            for (int k = 0; k < tokens.length; k++) {
                assertEquals(e.get("token_log_probs").get(k).asDouble(), tokens[k], TOLERANCE, "row " + i + " token " + k);
            }
            assertEquals(e.get("sum").asDouble(), scored.sums()[i], TOLERANCE, "row " + i + " sum");
            assertEquals(e.get("sum").asDouble(), scored.sequences().get(i).sum(), TOLERANCE, "row " + i + " sequence sum");
            assertEquals(e.get("mean").asDouble(), scored.sequences().get(i).mean(), TOLERANCE, "row " + i + " mean");
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
