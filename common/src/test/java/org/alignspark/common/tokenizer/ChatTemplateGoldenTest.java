package org.alignspark.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.tokenizer.jinja.HuggingFaceJinja;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real chat templates of Qwen2.5, Qwen3, Llama 3.1, Mistral v0.3, Gemma 2, Phi-3.5, SmolLM2 and SmolLM3, loaded
 * from model folders as transformers loads them, rendered byte for byte as Python's jinja2 renders them
 * (resources/chat-templates/goldens.json, written by tools/golden/render_templates.py).
 */
class ChatTemplateGoldenTest {
    private static final Path RESOURCES = Path.of(System.getProperty("alignspark.root", "..")).resolve(
            "common/src/test/resources/chat-templates");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** render_templates.py pins strftime_now to this instant. */
    private static final Clock FIXED = Clock.fixed(LocalDateTime.of(2024, 7, 26, 9, 30).toInstant(ZoneOffset.UTC),
            ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** A model folder with the model's special tokens in tokenizer_config.json and its template in chat_template.jinja. */
    private ChatTemplate folderTemplate(String model, JsonNode special) throws Exception {
        Path folder = dir.resolve(model);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(Tokenizers.TOKENIZER_CONFIG), JSON.writeValueAsString(special));
        Files.copy(RESOURCES.resolve(model).resolve(ChatTemplate.TEMPLATE_FILE), folder.resolve(ChatTemplate.TEMPLATE_FILE));
        return ChatTemplate.load(ModelFolder.local(folder), null).withClock(FIXED);
    }

    @TestFactory
    Stream<DynamicTest> realTemplatesRenderAsJinja2Does() throws Exception {
        JsonNode conversations = JSON.readTree(RESOURCES.resolve("conversations.json").toFile());
        JsonNode special = JSON.readTree(RESOURCES.resolve("special_tokens.json").toFile());
        JsonNode goldens = JSON.readTree(RESOURCES.resolve("goldens.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (var models = goldens.fields(); models.hasNext(); ) {
            var model = models.next();
            ChatTemplate template = folderTemplate(model.getKey(), special.get(model.getKey()));
            for (var cases = model.getValue().fields(); cases.hasNext(); ) {
                var c = cases.next();
                tests.add(DynamicTest.dynamicTest(model.getKey() + " " + c.getKey(),
                        () -> check(template, conversations, c.getKey(), c.getValue())));
            }
        }
        return tests.stream();
    }

    private static void check(ChatTemplate template, JsonNode conversations, String name, JsonNode golden) {
        String[] parts = name.split("/");
        String kind = parts[parts.length - 1];
        List<Message> messages = new ArrayList<>();
        conversations.get("prompts").get(parts[0]).forEach(m -> messages.add(new Message(m.get("role").asText(),
                m.get("content").asText())));
        if (kind.equals("full")) {
            messages.add(new Message("assistant", conversations.get("response").asText()));
        } else if (kind.equals("full_thinking")) {
            messages.add(new Message("assistant", conversations.get("thinking_response").asText()));
        }
        Map<String, Object> extra = new HashMap<>();
        if (parts.length == 3 && parts[1].equals("tools")) {
            extra.put("tools", JSON.convertValue(conversations.get("tools"), List.class));
        }
        if (parts.length == 3 && parts[1].equals("no_thinking")) {
            extra.put("enable_thinking", false);
        }
        boolean generationPrompt = kind.equals("prompt");
        if (golden.has("error")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class,
                    () -> template.renderTracked(messages, generationPrompt, extra));
            assertTrue(e.getMessage().contains(golden.get("error").asText()), e.getMessage());
            assertTrue(e.getMessage().contains(ChatTemplate.TEMPLATE_FILE + " line "), e.getMessage());
            return;
        }
        HuggingFaceJinja.Rendering rendering = template.renderTracked(messages, generationPrompt, extra);
        assertEquals(golden.get("text").asText(), rendering.text());
        List<String> generated = new ArrayList<>();
        rendering.generationSpans().forEach(s -> generated.add(rendering.text().substring(s[0], s[1])));
        assertEquals(JSON.convertValue(golden.get("generation"), List.class), generated);
    }

    @Test
    void namedTemplatesInTokenizerConfigUseTheDefault() throws Exception {
        Path folder = dir.resolve("named");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(Tokenizers.TOKENIZER_CONFIG), """
                {"eos_token": "</s>", "chat_template": [
                  {"name": "tool_use", "template": "TOOLS{{ eos_token }}"},
                  {"name": "default", "template": "{% for m in messages %}{{ m.role }}: {{ m.content }}\\n{% endfor %}{{ eos_token }}"}]}
                """);
        ChatTemplate template = ChatTemplate.load(ModelFolder.local(folder), null);
        assertEquals("user: hi\n</s>", template.render(List.of(new Message("user", "hi")), false));
    }

    @Test
    void chatTemplateJsonIsReadBeforeTokenizerConfig() throws Exception {
        Path folder = dir.resolve("json");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(Tokenizers.TOKENIZER_CONFIG), "{\"chat_template\": \"config\"}");
        Files.writeString(folder.resolve(ChatTemplate.TEMPLATE_JSON), "{\"chat_template\": \"json {{ messages|length }}\"}");
        assertEquals("json 1", ChatTemplate.load(ModelFolder.local(folder), null)
                .render(List.of(new Message("user", "hi")), false));
    }

    @Test
    void templatesCannotReachOutsideTheirData() {
        ChatTemplate probe = ChatTemplate.jinja("{{ messages[0].content.getClass() }}", Map.of(), "probe");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> probe.render(List.of(new Message("user", "hi")), false));
        assertTrue(e.getMessage().contains("not allowed"), e.getMessage());
        ChatTemplate mutate = ChatTemplate.jinja("{{ messages.append(1) }}", Map.of(), "probe");
        assertThrows(ChatTemplateException.class, () -> mutate.render(List.of(new Message("user", "hi")), false));
    }

    @Test
    void strftimeNowReadsTheTemplatesClock() {
        ChatTemplate dated = ChatTemplate.jinja("{{ strftime_now('%d %b %Y, %A %B %H:%M') }}", Map.of(), "dated")
                .withClock(FIXED);
        // 2024-07-26 was a Friday.
        assertEquals("26 Jul 2024, Friday July 09:30", dated.render(List.of(), false));
    }

    @Test
    void tojsonTakesTransformersArguments() {
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("b", List.of(1, 2.5, true));
        tool.put("a", "ü\"");
        ChatTemplate json = ChatTemplate.jinja("{{ tools[0]|tojson }}|{{ tools[0]|tojson(indent=2, sort_keys=true) }}"
                + "|{{ tools[0]|tojson(separators=(',', ':')) }}|{{ tools[0]|tojson(ensure_ascii=true) }}", Map.of(), "json");
        // Python: json.dumps(d), json.dumps(d, indent=2, sort_keys=True), separators=(',', ':'), ensure_ascii=True
        assertEquals("{\"b\": [1, 2.5, true], \"a\": \"ü\\\"\"}|{\n  \"a\": \"ü\\\"\",\n  \"b\": [\n    1,\n    2.5,\n    true\n  ]\n}"
                        + "|{\"b\":[1,2.5,true],\"a\":\"ü\\\"\"}|{\"b\": [1, 2.5, true], \"a\": \"\\u00fc\\\"\"}",
                json.renderTracked(List.of(), false, Map.of("tools", List.of(tool))).text());
    }
}
