package org.alignspark.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.alignspark.common.lm.checkpoint.CheckpointException;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
    @TempDir
    Path dir;

    private static final List<Message> CHAT = List.of(new Message("system", "Be brief."),
            new Message("user", "Hi"), new Message("assistant", "Hello!"));

    @Test
    void byteTokenizerRoundTripsUtf8AndSpecialTokens() {
        ByteTokenizer tokenizer = new ByteTokenizer();
        String text = "<|bos|>héllo <wörld> ✓<|eos|>";
        int[] ids = tokenizer.encode(text);
        assertEquals(tokenizer.bosId(), ids[0]);
        assertEquals(tokenizer.eosId(), ids[ids.length - 1]);
        assertEquals('h', ids[1]);
        assertEquals(text, tokenizer.decode(ids));
        assertEquals(262, tokenizer.vocabSize());
        assertEquals(256, tokenizer.padId());
    }

    @Test
    void savedByteTokenizerFolderLoadsWithByteChatTemplate() throws Exception {
        ModelFolder folder = ModelFolder.local(dir.resolve("byte"));
        new ByteTokenizer().save(folder);
        Tokenizer loaded = Tokenizers.load(folder);
        assertTrue(loaded instanceof ByteTokenizer);
        ChatTemplate template = ChatTemplate.load(folder, loaded);
        assertEquals(ChatTemplate.BYTE, template);
        String text = template.render(CHAT.subList(1, 2), true);
        assertEquals("<|user|>Hi<|eos|><|assistant|>", text);
        assertArrayEquals(new int[] {260, 'H', 'i', 258, 261}, loaded.encode(text));
    }

    @Test
    void huggingFaceTokenizerJsonLoadsThroughDjlWithSpecialIdsAndChatTemplate() throws Exception {
        Path folder = dir.resolve("hf");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [
                   {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true},
                   {"id": 1, "content": "<|im_start|>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true},
                   {"id": 2, "content": "<|im_end|>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true}],
                 "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
                 "decoder": null,
                 "model": {"type": "WordLevel", "unk_token": "<unk>",
                           "vocab": {"<unk>": 0, "<|im_start|>": 1, "<|im_end|>": 2, "hello": 3, "world": 4,
                                     "user": 5}}}
                """);
        Files.writeString(folder.resolve("tokenizer_config.json"), """
                {"eos_token": {"content": "<|im_end|>"}, "pad_token": "<unk>",
                 "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}"}
                """);
        ModelFolder modelFolder = ModelFolder.local(folder);
        Tokenizer tokenizer = Tokenizers.load(modelFolder);
        assertArrayEquals(new int[] {3, 4, 0}, tokenizer.encode("hello world there"));
        assertEquals("hello world", tokenizer.decode(new int[] {3, 4}));
        assertEquals(2, tokenizer.eosId());
        assertEquals(2, tokenizer.bosId());
        assertEquals(0, tokenizer.padId());
        assertEquals(6, tokenizer.vocabSize());
        assertEquals("<|im_start|>user\nhello<|im_end|>\n",
                ChatTemplate.load(modelFolder, tokenizer).render(List.of(new Message("user", "hello")), true));
    }

    @Test
    void wordLevelTokenizerOfACorpusEncodesOneTokenPerWordAndDecodesWithoutSpacesBeforePunctuation() throws Exception {
        ModelFolder folder = ModelFolder.local(dir.resolve("words"));
        WordLevelTokenizerWriter writer = new WordLevelTokenizerWriter().add("What color is the sky?").add("It is blue.");
        writer.save(folder);
        Tokenizer tokenizer = Tokenizers.load(folder);
        assertEquals(writer.vocabSize(), tokenizer.vocabSize());
        int[] ids = tokenizer.encode("It is blue.");
        assertEquals(4, ids.length);
        assertEquals("It is blue.", tokenizer.decode(ids));
        assertEquals(0, tokenizer.encode("green")[0], "a word outside the corpus is <unk>");
        ChatTemplate chat = ChatTemplate.load(folder, tokenizer);
        int[] conversation = tokenizer.encode(chat.render(List.of(new Message("user", "What color is the sky?")), true));
        // <|im_start|> user What color is the sky ? <|im_end|> <|im_start|> assistant
        assertEquals(11, conversation.length, java.util.Arrays.toString(conversation));
        assertEquals(tokenizer.eosId(), conversation[8]);
    }

    @Test
    void chatMlRendersItsPublishedFormat() {
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>assistant\n", ChatTemplate.CHATML.render(CHAT, true));
    }

    @Test
    void brokenChatTemplateFailsNamingTheFileAndLine() throws Exception {
        ModelFolder folder = ModelFolder.local(dir.resolve("odd"));
        new ByteTokenizer().save(folder);
        Files.writeString(dir.resolve("odd").resolve("tokenizer_config.json"),
                "{\"eos_token\": \"<|eos|>\", \"chat_template\": \"{% for m in messages %}\\n{{ m.content }}\\n{% if %}\\n{% endfor %}\"}");
        ChatTemplate template = ChatTemplate.load(folder, new ByteTokenizer());
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(CHAT, true));
        assertTrue(e.getMessage().contains("odd/tokenizer_config.json line 3: "), e.getMessage());
        assertTrue(e.getMessage().contains("{% if %}"), e.getMessage());
    }

    @Test
    void missingTokenizerFileFailsNamingIt() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Tokenizers.load(ModelFolder.local(dir.resolve("nothing"))));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
