package org.alignspark.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TRL's prompt/completion split, and what happens where a template breaks its prefix property. */
class ChatEncoderSplitTest {
    private static final List<Message> PROMPT = List.of(new Message("system", "Be brief."), new Message("user", "Hi!"),
            new Message("assistant", "Hello."), new Message("user", "Name a colour."));

    @Test
    void completionIsWhatTheConversationAddsAfterTheGenerationPrompt() {
        ChatEncoder.Split split = new ChatEncoder(new ByteTokenizer(), ChatTemplate.CHATML).split(PROMPT, "Blue.");
        assertEquals(ChatEncoder.Boundary.PREFIX, split.boundary());
        assertTrue(split.prompt().endsWith("<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n"));
        assertEquals("Blue.<|im_end|>\n", split.completion());
    }

    @Test
    void mistralsTemplateMovesTheSystemTurnSoTheSplitFailsClearly() throws Exception {
        Path resources = Path.of(System.getProperty("alignspark.root", "..")).resolve("common/src/test/resources/chat-templates");
        String source = Files.readString(resources.resolve("mistral-7b-instruct-v0.3/chat_template.jinja"));
        ChatTemplate mistral = ChatTemplate.jinja(source, Map.of("bos_token", "<s>", "eos_token", "</s>"), "mistral");
        ChatEncoder encoder = new ChatEncoder(new ByteTokenizer(), mistral);
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> encoder.split(PROMPT, "Blue."));
        assertTrue(e.getMessage().contains("does not start with the prompt's rendering"), e.getMessage());
        // Without a system turn the prefix property holds: " Blue.</s>" follows "[INST] Name a colour.[/INST]".
        assertEquals(" Blue.</s>", encoder.split(PROMPT.subList(1, 4), "Blue.").completion());
    }

    @Test
    void withoutThePrefixPropertyTheGenerationBlockGivesTheCompletion() {
        // The system turn is printed with the last user turn, as Mistral's; the assistant's text is a generation block.
        String source = "{% for m in messages %}{% if m.role == 'user' %}[U]{% if loop.last and messages[0].role == 'system' %}"
                + "{{ messages[0].content ~ ' ' }}{% endif %}{{ m.content }}{% elif m.role == 'assistant' %}[A]{% generation %}"
                + "{{ m.content }}</s>{% endgeneration %}{% endif %}{% endfor %}{% if add_generation_prompt %}[A]{% endif %}";
        ChatTemplate template = ChatTemplate.jinja(source, Map.of(), "tracked");
        ChatEncoder.Split split = new ChatEncoder(new ByteTokenizer(), template).split(PROMPT, "Blue.");
        assertEquals(ChatEncoder.Boundary.GENERATION_BLOCK, split.boundary());
        assertEquals("[U]Hi![A]Hello.</s>[U]Be brief. Name a colour.[A]", split.prompt());
        assertEquals("Blue.</s>", split.completion());
    }
}
