package org.alignspark.common.rm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.checkpoint.CheckpointException;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.tokenizer.ByteTokenizer;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RewardLayoutTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final ChatEncoder ENCODER = new ChatEncoder(TOKENIZER, ChatTemplate.CHATML);
    private static final List<Message> PROMPT = List.of(new Message("system", "Be brief."), new Message("user", "What color is snow?"));

    @TempDir
    Path tmp;

    @Test
    void standardLayoutIsTheConversationThroughTheEndOfTheResponsesTurn() {
        assertArrayEquals(ENCODER.conversation(PROMPT, "White."), RewardLayout.STANDARD.encode(ENCODER, PROMPT, "White."));
    }

    @Test
    void roleSwappedLayoutEndsWhereTheScorersFeedbackWouldBegin() {
        RewardLayout layout = RewardLayout.of("role-swapped", "Quiz me.");
        String text = TOKENIZER.decode(layout.encode(ENCODER, PROMPT, "White."));
        // only the last prompt turn, asked by the assistant; the response is the user's; the assistant's turn is opened
        assertEquals("<|im_start|>user\nQuiz me.<|im_end|>\n<|im_start|>assistant\nWhat color is snow?<|im_end|>\n"
                + "<|im_start|>user\nWhite.<|im_end|>\n<|im_start|>assistant\n", text);
    }

    @Test
    void badLayoutsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RewardLayout.of("swapped", "Quiz me."));
        assertThrows(IllegalArgumentException.class, () -> RewardLayout.of("role-swapped", " "));
        assertEquals(RewardLayout.STANDARD, RewardLayout.of("standard", "ignored"));
    }

    @Test
    void theLayoutTravelsWithTheCheckpoint() throws Exception {
        RewardModel model = RewardModel.initialize(ModelConfig.gpt2(TOKENIZER.vocabSize(), 8, 1, 2, 64), 5);
        Path source = tmp.resolve("source");
        Files.createDirectories(source);
        TOKENIZER.save(ModelFolder.of(source.toString()));
        RewardLayout swapped = RewardLayout.of("role-swapped", "Quiz me and judge my answer.");
        Path saved = tmp.resolve("swapped");
        RewardModelFolder.save(model, swapped, ModelFolder.of(source.toString()), ModelFolder.of(saved.toString()));
        assertEquals(swapped, RewardModelFolder.layout(saved.toString()));
        assertEquals(model.outputs(), RewardModelFolder.load(saved.toString(), DataType.FLOAT).outputs());

        Path standard = tmp.resolve("standard");
        RewardModelFolder.save(model, ModelFolder.of(source.toString()), ModelFolder.of(standard.toString()));
        assertEquals(RewardLayout.STANDARD, RewardModelFolder.layout(standard.toString()));
        Files.delete(standard.resolve(RewardModelFolder.LAYOUT_FILE));   // a folder from before layouts were saved
        assertEquals(RewardLayout.STANDARD, RewardModelFolder.layout(standard.toString()));

        Files.writeString(saved.resolve(RewardModelFolder.LAYOUT_FILE), "{\"template\": \"sideways\"}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> RewardModelFolder.layout(saved.toString()));
        assertTrue(e.getMessage().contains("sideways"), e.getMessage());
    }
}
