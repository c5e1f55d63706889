package org.alignspark.common.tokenizer.jinja;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Jinja environment set up as Hugging Face transformers sets up jinja2 for chat templates
 * ({@code _compile_jinja_template} in {@code transformers/utils/chat_template_utils.py}), on HubSpot's Jinjava:
 * <ul>
 *   <li>{@code trim_blocks} and {@code lstrip_blocks} (the first by {@link JinjaSource}, Jinjava's miscounts lines);</li>
 *   <li>a sandbox: templates read their data and call Python's {@code str}/{@code dict} methods on it, nothing else
 *       ({@link SandboxedPythonResolver});</li>
 *   <li>{@code raise_exception(message)}, which stops the rendering with the template's message;</li>
 *   <li>{@code |string} as Python's str() (dicts print as {@code {'a': 1}});</li>
 *   <li>{@code strftime_now(format)}, Python strftime on the render's clock;</li>
 *   <li>{@code tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False)}, Python's json.dumps
 *       ({@link PythonJson}), in place of Jinjava's own;</li>
 *   <li>the {@code {% generation %}} block transformers' AssistantTracker adds, whose output spans are returned
 *       (they are the assistant mask of {@code return_assistant_tokens_mask}).</li>
 * </ul>
 * Jinjava's operator precedence and whitespace control are its jinja2-compatible ones ({@link LegacyOverrides#ALL}).
 * The instance is immutable and thread-safe.
 */
public final class HuggingFaceJinja {
    /** Private-use characters around a generation block's output; removed before the text is returned. */
    private static final char GENERATION_START = '\uE000';
    private static final char GENERATION_END = '\uE001';
    private static final ThreadLocal<Clock> CLOCK = new ThreadLocal<>();

    private final Jinjava jinjava;

    public HuggingFaceJinja() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new SandboxedPythonResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false)   // done by JinjaSource, which keeps the line numbers right
                .withLstripBlocks(true)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .withElResolver(resolver)
                .build();
        jinjava = new Jinjava(config);
        jinjava.registerFilter(new ToJson());
        jinjava.registerFilter(new PythonString());
        jinjava.registerFilter(new PythonPrint());
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", HuggingFaceJinja.class,
                "raiseException", String.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", HuggingFaceJinja.class,
                "strftimeNow", String.class));
        jinjava.registerTag(new GenerationTag());
    }

    /** A rendering: the text, and the [start, end) character spans of its {@code {% generation %}} blocks. */
    public record Rendering(String text, List<int[]> generationSpans) {
    }

    /** A template's source, rewritten once for Jinjava ({@link JinjaSource}); render it with {@link #render}. */
    public static final class Prepared {
        private final JinjaSource source;

        private Prepared(String template) {
            this.source = new JinjaSource(template);
        }
    }

    public static Prepared prepare(String template) {
        return new Prepared(template);
    }

    /**
     * Renders {@code template} with {@code context} (values: String, Number, Boolean, null, List, Map).
     *
     * @throws JinjaTemplateException when the template does not parse, calls raise_exception, or fails
     */
    public Rendering render(String template, Map<String, ?> context, Clock clock) {
        return render(prepare(template), context, clock);
    }

    public Rendering render(Prepared template, Map<String, ?> context, Clock clock) {
        JinjaSource source = template.source;
        RenderResult result;
        CLOCK.set(clock);
        try {
            result = jinjava.renderForResult(source.text(), context);
        } finally {
            CLOCK.remove();
        }
        // jinja2 stops at the first error in the template; Jinjava collects them all, so the earliest line is reported.
        TemplateError first = null;
        for (TemplateError error : result.getErrors()) {
            if ((error.getSeverity() == TemplateError.ErrorType.FATAL || raised(error) != null)
                    && (first == null || error.getLineno() < first.getLineno())) {
                first = error;
            }
        }
        if (first != null) {
            throw new JinjaTemplateException(describe(first), Math.max(0, source.originalLine(first.getLineno())));
        }
        return withoutMarkers(result.getOutput());
    }

    private static Throwable raised(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof RaisedByTemplate || t instanceof JinjaSecurityException) {
                return t;
            }
        }
        return null;
    }

    private static String describe(TemplateError error) {
        Throwable raised = raised(error);
        return raised != null ? raised.getMessage() : error.getMessage();
    }

    private static Rendering withoutMarkers(String marked) {
        StringBuilder text = new StringBuilder(marked.length());
        List<int[]> spans = new ArrayList<>();
        int open = -1;
        for (int i = 0; i < marked.length(); i++) {
            char c = marked.charAt(i);
            if (c == GENERATION_START) {
                open = text.length();
            } else if (c == GENERATION_END) {
                spans.add(new int[] {open, text.length()});
                open = -1;
            } else {
                text.append(c);
            }
        }
        return new Rendering(text.toString(), List.copyOf(spans));
    }

    /** {@code raise_exception(message)}: transformers raises jinja2's TemplateError with the message. */
    public static Object raiseException(String message) {
        throw new RaisedByTemplate(message);
    }

    /** {@code strftime_now(format)}: {@code datetime.now().strftime(format)} on the render's clock. */
    public static String strftimeNow(String format) {
        Clock clock = CLOCK.get();
        return strftime(LocalDateTime.now(clock == null ? Clock.systemDefaultZone() : clock), format);
    }

    /** Python's strftime in the C locale, for the directives chat templates use. */
    static String strftime(LocalDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            out.append(switch (d) {
                case 'd' -> two(t.getDayOfMonth());
                case 'm' -> two(t.getMonthValue());
                case 'Y' -> String.valueOf(t.getYear());
                case 'y' -> two(t.getYear() % 100);
                case 'H' -> two(t.getHour());
                case 'I' -> two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12);
                case 'M' -> two(t.getMinute());
                case 'S' -> two(t.getSecond());
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'b' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'j' -> String.format("%03d", t.getDayOfYear());
                case '%' -> "%";
                default -> throw new RaisedByTemplate("strftime_now: unsupported directive %" + d);
            });
        }
        return out.toString();
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : String.valueOf(v);
    }

    /** What raise_exception throws; Jinjava records it as the render's error and the render fails with it. */
    static final class RaisedByTemplate extends RuntimeException {
        RaisedByTemplate(String message) {
            super(message);
        }
    }

    /** transformers' tojson: {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    private static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            String[] names = {"ensure_ascii", "indent", "separators", "sort_keys"};
            Object[] values = new Object[names.length];
            for (int i = 0; i < names.length; i++) {
                values[i] = i < args.length ? args[i] : kwargs.get(names[i]);
            }
            String item = null;
            String key = null;
            if (values[2] instanceof List<?> separators && separators.size() == 2) {
                item = String.valueOf(separators.get(0));
                key = String.valueOf(separators.get(1));
            }
            return new PythonJson(Boolean.TRUE.equals(values[0]), values[1], item, key, Boolean.TRUE.equals(values[3]))
                    .dumps(var);
        }
    }

    /** jinja2's {@code |string}: Python's str(), so a dict prints as {@code {'a': 1}}, None as None. */
    private static final class PythonString implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.pythonStr(var);
        }
    }

    /** How {@code {{ x }}} prints in jinja2: str(x), and nothing for undefined (Jinjava's null stands for both). */
    private static final class PythonPrint implements Filter {
        @Override
        public String getName() {
            return JinjaSource.PRINT_FILTER;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return var == null ? "" : PythonJson.pythonStr(var);
        }
    }

    /** {@code {% generation %}…{% endgeneration %}}: renders its body, marked so its span can be found. */
    private static final class GenerationTag implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder body = new StringBuilder().append(GENERATION_START);
            for (Node child : tagNode.getChildren()) {
                body.append(child.render(interpreter).getValue());
            }
            return body.append(GENERATION_END).toString();
        }
    }
}
