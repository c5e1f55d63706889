package org.alignspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.alignspark.Main;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.WordLevelTokenizerWriter;
import org.alignspark.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateJobTest {
    @TempDir
    Path dir;

    private String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(args));
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsRenderingTokenIdsAndTheSplitOfEachConversation() throws Exception {
        Path model = dir.resolve("model");
        new WordLevelTokenizerWriter().add("Hi there Blue sky").save(ModelFolder.local(model));
        Path conversations = dir.resolve("chats.jsonl");
        Files.writeString(conversations, """
                [{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Blue sky"}]
                {"messages": [{"role": "user", "content": "Hi"}]}
                """);
        String out = run("chat-template", "--model", model.toString(), "--conversations", conversations.toString());
        assertTrue(out.contains("chat template: "), out);
        assertTrue(out.contains("--- as JSON: \"<|im_start|>user\\nHi there<|im_end|>\\n<|im_start|>assistant\\nBlue sky<|im_end|>\\n\""), out);
        // "Blue sky<|im_end|>\n": 8 + 10 + 1 characters. WordLevelTokenizerWriter's vocabulary: <unk>=0 <|im_start|>=1
        // <|im_end|>=2, then the words in sorted order: Blue=3 Hi=4 assistant=5 sky=6 system=7 there=8 user=9; the
        // Whitespace pre-tokenizer drops the newline.
        assertTrue(out.contains("--- completion (what the conversation adds after the prompt), 19 chars, 3 tokens"), out);
        assertTrue(out.contains("--- token ids: [3, 6, 2]"), out);
        assertTrue(out.contains("--- token ids: [1, 9, 4, 8, 2, 1, 5]"), out);
        assertTrue(out.contains("=== conversation 2"), out);
        assertTrue(out.contains("rendered (add_generation_prompt=True)"), out);
    }

    @Test
    void readsTheConversationsOfAWarehouseTable() {
        TestSpark.session();
        String warehouse = dir.resolve("warehouse").toString();
        String tokenizer = dir.resolve("tokenizer").toString();
        assertEquals(0, Main.run("demo-data", "--dt", "2026-11-27", "--prefix", "tpl", "--dialogues", "0", "--pairs", "0",
                "--tokenizer-output", tokenizer, "--warehouse", warehouse));
        String out = run("chat-template", "--model", tokenizer, "--table", "tpl_candidates", "--limit", "2",
                "--warehouse", warehouse);
        assertTrue(out.contains("=== conversation 2"), out);
        assertTrue(!out.contains("=== conversation 3"), out);
        assertTrue(out.contains("rendered (add_generation_prompt=True)"), out);
        assertTrue(out.contains("<|im_start|>assistant\\n\"\n"), out);   // the JSON line ends the generation prompt
    }

    @Test
    void saysSoWhenTheTemplateDoesNotExtendThePrompt() throws Exception {
        Path model = dir.resolve("mistral");
        new WordLevelTokenizerWriter().add("Be brief Hi Hello Blue").save(ModelFolder.local(model));
        Files.copy(Path.of(System.getProperty("alignspark.root", "..")).resolve(
                "common/src/test/resources/chat-templates/mistral-7b-instruct-v0.3/chat_template.jinja"),
                model.resolve(ChatTemplate.TEMPLATE_FILE));
        Path conversations = dir.resolve("chats.jsonl");
        Files.writeString(conversations, "[{\"role\": \"system\", \"content\": \"Be brief\"}, {\"role\": \"user\", \"content\": \"Hi\"},"
                + " {\"role\": \"assistant\", \"content\": \"Hello\"}, {\"role\": \"user\", \"content\": \"Hi\"},"
                + " {\"role\": \"assistant\", \"content\": \"Blue\"}]\n");
        String out = run("chat-template", "--model", model.toString(), "--conversations", conversations.toString());
        assertTrue(out.contains("--- prompt/completion split fails: "), out);
        assertTrue(out.contains("does not start with the prompt's rendering"), out);
    }
}
