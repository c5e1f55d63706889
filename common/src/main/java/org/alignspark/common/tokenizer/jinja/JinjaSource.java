package org.alignspark.common.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * A chat template's source, rewritten where jinja2's expression syntax and Jinjava's differ, so that Jinjava reads
 * it as jinja2 does. Inside {@code {{ }}} and {@code {% %}} only (text and comments are left alone):
 * <ul>
 *   <li>string literals: Python's escapes ({@code \n}, {@code \t}, {@code \r}, {@code \xhh}, {@code \}{@code uXXXX},
 *       …) become the characters they stand for; Jinjava's EL only knows {@code \\}, {@code \'} and {@code \"};</li>
 *   <li>{@code x[::-1]} (Python's reversed copy, which EL cannot parse) becomes {@code x|reverse|list};</li>
 *   <li>keyword arguments {@code f(name=a - 1)}: the value is parenthesised, because in Jinjava {@code name=a}
 *       binds tighter than the arithmetic after it (Qwen3's {@code namespace(last_query_index=messages|length - 1)});</li>
 *   <li>{@code not x is test}: parenthesised as {@code not (x is test)}, jinja2's reading (Llama 3.1's
 *       {@code not tools is defined}).</li>
 * </ul>
 * A {@code \n} escape becomes a real line break, so {@link #originalLine} maps the rewritten source's lines back
 * to the template's for error messages.
 */
final class JinjaSource {
    /** {@code not x is defined}: jinja2 reads not (x is defined); Jinjava (not x) is defined. */
    private static final java.util.regex.Pattern NOT_IS = java.util.regex.Pattern.compile(
            "\\bnot\\s+([A-Za-z_][\\w.]*(?:\\[[^\\]]*\\])*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)");
    private final String rewritten;
    private final List<Integer> originalLines = new ArrayList<>();   // rewritten line (0-based) -> original line

    JinjaSource(String template) {
        StringBuilder out = new StringBuilder(template.length());
        int line = 1;
        originalLines.add(line);
        int i = 0;
        while (i < template.length()) {
            if (template.startsWith("{#", i)) {
                int end = template.indexOf("#}", i + 2);
                end = end < 0 ? template.length() : end + 2;
                line = copy(template, i, end, out, line);
                i = end;
            } else if (template.startsWith("{{", i) || template.startsWith("{%", i)) {
                String close = template.startsWith("{{", i) ? "}}" : "%}";
                int end = tagEnd(template, i + 2, close);
                line = copy(template, i, i + 2, out, line);
                String inner = NOT_IS.matcher(template.substring(i + 2, end)).replaceAll("not ($1 is $2$3)");
                line = expression(inner, 0, inner.length(), out, line);
                line = copy(template, end, Math.min(end + 2, template.length()), out, line);
                i = Math.min(end + 2, template.length());
            } else {
                int next = nextTag(template, i);
                line = copy(template, i, next, out, line);
                i = next;
            }
        }
        rewritten = out.toString();
    }

    String text() {
        return rewritten;
    }

    /** The template's line for a line of the rewritten source (both 1-based). */
    int originalLine(int rewrittenLine) {
        if (rewrittenLine <= 0) {
            return rewrittenLine;
        }
        return originalLines.get(Math.min(rewrittenLine, originalLines.size()) - 1);
    }

    private static int nextTag(String s, int from) {
        int best = s.length();
        for (String open : new String[] {"{{", "{%", "{#"}) {
            int at = s.indexOf(open, from);
            if (at >= 0 && at < best) {
                best = at;
            }
        }
        return best == from ? from + 1 : best;
    }

    /** Where the tag closes, skipping string literals (which may contain "}}" or "%}"). */
    private static int tagEnd(String s, int from, String close) {
        int i = from;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = literalEnd(s, i) + 1;
            } else if (s.startsWith(close, i)) {
                return i;
            } else {
                i++;
            }
        }
        return s.length();
    }

    private static int literalEnd(String s, int open) {
        char quote = s.charAt(open);
        int i = open + 1;
        while (i < s.length() && s.charAt(i) != quote) {
            i += s.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i, s.length() - 1);
    }

    private int copy(String s, int from, int to, StringBuilder out, int line) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            out.append(c);
            if (c == '\n') {
                line++;
                originalLines.add(line);
            }
        }
        return line;
    }

    private int expression(String s, int from, int to, StringBuilder out, int line) {
        // Open keyword-argument values, by the parenthesis depth they sit at.
        List<Integer> keywordDepths = new ArrayList<>();
        int depth = 0;
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                int end = Math.min(literalEnd(s, i), to - 1);
                line = literal(s, i, end, out, line);
                i = end + 1;
                continue;
            }
            if (s.startsWith("[::-1]", i)) {
                out.append("|reverse|list");
                i += "[::-1]".length();
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (!keywordDepths.isEmpty() && keywordDepths.get(keywordDepths.size() - 1) == depth) {
                    out.append(')');
                    keywordDepths.remove(keywordDepths.size() - 1);
                }
                depth--;
            } else if (c == ',' && !keywordDepths.isEmpty() && keywordDepths.get(keywordDepths.size() - 1) == depth) {
                out.append(')');
                keywordDepths.remove(keywordDepths.size() - 1);
            }
            out.append(c);
            if (c == '\n') {
                line++;
                originalLines.add(line);
            }
            if (c == '=' && depth > 0 && isKeywordEquals(s, i, to)) {
                out.append('(');
                keywordDepths.add(depth);
            }
            i++;
        }
        return line;
    }

    /** {@code name=} right after "(" or "," (not ==, <=, >=, !=). */
    private static boolean isKeywordEquals(String s, int at, int to) {
        if (at + 1 < to && s.charAt(at + 1) == '=') {
            return false;
        }
        int j = at - 1;
        while (j >= 0 && s.charAt(j) == ' ') {
            j--;
        }
        int nameEnd = j;
        while (j >= 0 && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
            j--;
        }
        if (j == nameEnd) {
            return false;
        }
        while (j >= 0 && Character.isWhitespace(s.charAt(j))) {
            j--;
        }
        return j >= 0 && (s.charAt(j) == '(' || s.charAt(j) == ',');
    }

    /** Copies the literal s[open..close] (quotes included), with Python's escapes turned into their characters. */
    private int literal(String s, int open, int close, StringBuilder out, int line) {
        char quote = s.charAt(open);
        out.append(quote);
        int i = open + 1;
        while (i < close) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= close) {
                out.append(c);
                if (c == '\n') {
                    line++;
                    originalLines.add(line);
                }
                i++;
                continue;
            }
            char e = s.charAt(i + 1);
            int consumed = 2;
            String replacement = switch (e) {
                case 'n' -> "\n";
                case 't' -> "\t";
                case 'r' -> "\r";
                case 'a' -> "\u0007";
                case 'b' -> "\b";
                case 'f' -> "\f";
                case 'v' -> "\u000b";
                case '0' -> "\0";
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + 2 + digits > close) {
                        yield null;
                    }
                    consumed = 2 + digits;
                    yield new String(Character.toChars(Integer.parseInt(s.substring(i + 2, i + 2 + digits), 16)));
                }
                default -> null;   // \\, \', \" and unknown escapes: EL reads these as Python does
            };
            if (replacement == null) {
                out.append(c).append(e);
            } else {
                for (char r : replacement.toCharArray()) {
                    if (r == quote || r == '\\') {
                        out.append('\\');
                    }
                    out.append(r);
                    if (r == '\n') {
                        // the rewritten source gains a line the template does not have
                        originalLines.add(line);
                    }
                }
            }
            i += consumed;
        }
        out.append(quote);
        return line;
    }
}
