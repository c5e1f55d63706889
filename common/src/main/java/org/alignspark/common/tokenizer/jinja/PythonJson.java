package org.alignspark.common.tokenizer.jinja;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, character for character: the
 * {@code tojson} filter transformers installs in its chat-template environment. Jackson's printers do not reproduce
 * Python's separators (", " and ": ", or "," and ": " under an indent) and float spellings, and templates print the
 * result straight into the prompt, so the output is written here.
 */
public final class PythonJson {
    private final boolean ensureAscii;
    private final String indent;       // null: one line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /** @param indent null, a number of spaces, or the indent string itself (as json.dumps takes it) */
    public PythonJson(boolean ensureAscii, Object indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        if (indent == null) {
            this.indent = null;
        } else if (indent instanceof Number n) {
            this.indent = " ".repeat(Math.max(0, n.intValue()));
        } else {
            this.indent = indent.toString();
        }
        // json.dumps: separators default to (', ', ': '), or (',', ': ') when an indent is given.
        this.itemSeparator = itemSeparator != null ? itemSeparator : (this.indent == null ? ", " : ",");
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
    }

    public String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, 0);
        return out.toString();
    }

    private void write(Object value, StringBuilder out, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(pythonFloat(((Number) value).doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n.toString());
        } else if (value instanceof CharSequence s) {
            string(s.toString(), out);
        } else if (value instanceof Map<?, ?> map) {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            if (sortKeys) {
                entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
            }
            container('{', '}', entries, out, depth, (e, o) -> {
                string(String.valueOf(e.getKey()), o);
                o.append(keySeparator);
                write(e.getValue(), o, depth + 1);
            });
        } else if (value instanceof Collection<?> list) {
            container('[', ']', new ArrayList<>(list), out, depth, (v, o) -> write(v, o, depth + 1));
        } else if (value instanceof Object[] array) {
            container('[', ']', List.of(array), out, depth, (v, o) -> write(v, o, depth + 1));
        } else {
            throw new IllegalArgumentException("Object of type " + value.getClass().getSimpleName() + " is not JSON serializable");
        }
    }

    private <T> void container(char open, char close, List<T> items, StringBuilder out, int depth,
                               java.util.function.BiConsumer<T, StringBuilder> item) {
        out.append(open);
        if (items.isEmpty()) {
            out.append(close);
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            if (indent != null) {
                out.append('\n').append(indent.repeat(depth + 1));
            }
            item.accept(items.get(i), out);
        }
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
        out.append(close);
    }

    private void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's {@code str(x)}: what jinja2's {@code |string} prints for a dict, list, None or bool. */
    public static String pythonStr(Object x) {
        if (x instanceof CharSequence s) {
            return s.toString();
        }
        StringBuilder out = new StringBuilder();
        repr(x, out);
        return out.toString();
    }

    private static void repr(Object x, StringBuilder out) {
        if (x == null) {
            out.append("None");
        } else if (x instanceof Boolean b) {
            out.append(b ? "True" : "False");
        } else if (x instanceof Double || x instanceof Float) {
            out.append(pythonFloat(((Number) x).doubleValue()));
        } else if (x instanceof CharSequence cs) {
            String s = cs.toString();
            char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
            out.append(quote);
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c == quote) {
                            out.append('\\');
                        }
                        out.append(c);
                    }
                }
            }
            out.append(quote);
        } else if (x instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ", ");
                first = false;
                repr(e.getKey(), out);
                out.append(": ");
                repr(e.getValue(), out);
            }
            out.append('}');
        } else if (x instanceof Collection<?> list) {
            out.append('[');
            boolean first = true;
            for (Object v : list) {
                out.append(first ? "" : ", ");
                first = false;
                repr(v, out);
            }
            out.append(']');
        } else {
            out.append(x);
        }
    }

    /** Python's float repr: shortest round-trip digits, "1e-05" style exponents, "Infinity"/"NaN" as json.dumps. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        java.math.BigDecimal exact = new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = exact.precision() - exact.scale() - 1;    // position of the leading digit
        if (exponent >= -5 && exponent < 16) {
            String plain = exact.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = exact.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String sign = d < 0 ? "-" : "";
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
