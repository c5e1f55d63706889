package org.alignspark.common.tokenizer;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChatEncoderTest {
    private final ByteTokenizer bytes = new ByteTokenizer();
    private final List<Message> prompt = List.of(new Message("user", "Hi?"));

    @Test
    void responseLengthCountsTheResponseTokensWithoutTheEndOfTurn() {
        // Byte template: completion = "Café" (5 UTF-8 bytes) + <|eos|>.
        ChatEncoder plain = new ChatEncoder(bytes, ChatTemplate.BYTE);
        assertEquals(6, plain.completion(prompt, "Café").length);
        assertEquals(5, plain.responseLength(prompt, "Café"));
        // ChatML with byte ids: completion = "ok" + "<|im_end|>\n" (10 + 1 bytes); the response is 2 of its 13 tokens.
        ChatEncoder chatml = new ChatEncoder(bytes, ChatTemplate.CHATML);
        assertEquals(13, chatml.completion(prompt, "ok").length);
        assertEquals(2, chatml.responseLength(prompt, "ok"));
        // Llama 3 strips the content: " ok \n" is rendered as "ok".
        ChatEncoder llama = new ChatEncoder(bytes, ChatTemplate.LLAMA3);
        assertEquals(2, llama.responseLength(prompt, " ok \n"));
    }
}
