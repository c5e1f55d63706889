package org.alignspark.common.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChatEncoderTest {
    private final ByteTokenizer bytes = new ByteTokenizer();
    private final List<Message> prompt = List.of(new Message("user", "Hi?"));

    @Test
    void responseLengthCountsTheResponseTokensWithoutTheEndOfTurn() throws IOException {
        // Byte template: completion = "Café" (5 UTF-8 bytes) + <|eos|>.
        ChatEncoder plain = new ChatEncoder(bytes, ChatTemplate.BYTE);
        assertEquals(6, plain.completion(prompt, "Café").length);
        assertEquals(5, plain.responseLength(prompt, "Café"));
        // ChatML with byte ids: completion = "ok" + "<|im_end|>\n" (10 + 1 bytes); the response is 2 of its 13 tokens.
        ChatEncoder chatml = new ChatEncoder(bytes, ChatTemplate.CHATML);
        assertEquals(13, chatml.completion(prompt, "ok").length);
        assertEquals(2, chatml.responseLength(prompt, "ok"));
        // Llama 3 strips the content: " ok \n" is rendered as "ok".
        String source;
        try (InputStream in = getClass().getResourceAsStream("/chat-templates/llama-3.1-instruct/chat_template.jinja")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ChatEncoder llama = new ChatEncoder(bytes, ChatTemplate.jinja(source, Map.of("bos_token", "<|begin_of_text|>"), "Llama 3.1"));
        assertEquals(2, llama.responseLength(prompt, " ok \n"));
    }
}
