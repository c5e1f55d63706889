package org.alignspark.common.tokenizer.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The engine where Jinjava and jinja2 differ (whitespace control, string escapes, precedence, Python methods and
 * filters), against jinja2's output in engine_goldens.json (tools/golden/render_templates.py).
 */
class HuggingFaceJinjaTest {
    private static final Path GOLDENS = Path.of(System.getProperty("alignspark.root", "..")).resolve(
            "common/src/test/resources/chat-templates/engine_goldens.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HuggingFaceJinja JINJA = new HuggingFaceJinja();

    @TestFactory
    Stream<DynamicTest> rendersAsJinja2Does() throws Exception {
        JsonNode goldens = JSON.readTree(GOLDENS.toFile());
        @SuppressWarnings("unchecked")
        Map<String, Object> context = JSON.convertValue(goldens.get("context"), Map.class);
        List<DynamicTest> tests = new ArrayList<>();
        goldens.get("cases").fields().forEachRemaining(c -> tests.add(DynamicTest.dynamicTest(c.getKey(), () ->
                assertEquals(c.getValue().get("text").asText(),
                        JINJA.render(c.getValue().get("template").asText(), context, Clock.systemUTC()).text()))));
        return tests.stream();
    }

    @Test
    void errorsNameTheTemplateLine() {
        JinjaTemplateException parse = assertThrows(JinjaTemplateException.class, () ->
                JINJA.render("{% for m in messages %}\n{{ m }}\n{% if %}\n{% endfor %}", Map.of("messages", List.of("hi")),
                        Clock.systemUTC()));
        assertEquals(3, parse.line(), parse.getMessage());
        JinjaTemplateException raised = assertThrows(JinjaTemplateException.class, () ->
                JINJA.render("{{ 'a\\nb' }}\n{% if true %}\n{{ raise_exception('No system role') }}{% endif %}", Map.of(),
                        Clock.systemUTC()));
        assertEquals("No system role", raised.getMessage());
        assertEquals(3, raised.line());
    }

    @Test
    void generationBlocksAreTracked() {
        HuggingFaceJinja.Rendering r = JINJA.render("<a>{% generation %}x{{ 'y' }}{% endgeneration %}<b>{% generation %}"
                + "z{% endgeneration %}", Map.of(), Clock.systemUTC());
        assertEquals("<a>xy<b>z", r.text());
        assertEquals(List.of(3, 5, 8, 9), r.generationSpans().stream().flatMap(s -> Stream.of(s[0], s[1])).toList());
        assertTrue(JINJA.render("{% generation %}{% endgeneration %}", Map.of(), Clock.systemUTC()).text().isEmpty());
    }
}
