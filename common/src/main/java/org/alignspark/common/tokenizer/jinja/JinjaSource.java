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
 *   <li>{@code not}: its operand runs to the next {@code and}/{@code or}/{@code if}/{@code else} and is
 *       parenthesised, because jinja2's {@code not} binds looser than comparisons and tests and Jinjava's tighter
 *       (Llama 3.1's {@code not tools is defined}, {@code not message.tool_calls|length == 1});</li>
 *   <li>{@code {{ x }}} prints through {@value #PRINT_FILTER}: Python's str() (True, None inside lists, dicts as
 *       Python prints them), where Jinjava would print Java's true and null.</li>
 * </ul>
 * And outside them, jinja2's whitespace rules where Jinjava's differ: trim_blocks is done here (the newline after
 * a block tag becomes an empty comment holding it, so Jinjava's line numbers stay right), lstrip_blocks strips
 * only at a line's start, and comments follow both rules (Jinjava applies neither to comments).
 * A {@code \n} escape becomes a real line break, so {@link #originalLine} maps the rewritten source's lines back
 * to the template's for error messages.
 */
final class JinjaSource {
    /** The filter that prints a {@code {{ }}} value as jinja2 does (HuggingFaceJinja registers it). */
    static final String PRINT_FILTER = "alignspark_print";
    private final String rewritten;
    private final List<Integer> originalLines = new ArrayList<>();   // rewritten line (0-based) -> original line

    JinjaSource(String template) {
        StringBuilder out = new StringBuilder(template.length());
        int line = 1;
        originalLines.add(line);
        int i = 0;
        while (i < template.length()) {
            if (template.startsWith("{#", i)) {
                i = comment(template, i, out);
                line = lineOf(template, i);
            } else if (template.startsWith("{{", i) || template.startsWith("{%", i)) {
                boolean block = template.startsWith("{%", i);
                String close = block ? "%}" : "}}";
                int end = tagEnd(template, i + 2, close);
                if (block && !template.startsWith("{%-", i) && !lstripApplies(template, i)) {
                    keepMidLineWhitespace(out);
                }
                line = copy(template, i, i + 2, out, line);
                String inner = template.substring(i + 2, end);
                if (!block) {
                    inner = printed(inner);
                }
                line = expression(inner, 0, inner.length(), out, line);
                line = copy(template, end, Math.min(end + 2, template.length()), out, line);
                i = Math.min(end + 2, template.length());
                if (block && !template.startsWith("-%}", end) && template.startsWith("\n", i)) {
                    // trim_blocks: the newline after a block tag goes; an empty comment keeps its line for Jinjava.
                    out.append("{#\n#}");
                    line++;
                    originalLines.add(line);
                    i++;
                }
            } else {
                int next = nextTag(template, i);
                line = copy(template, i, next, out, line);
                i = next;
            }
        }
        rewritten = out.toString();
    }

    /** 1-based line of position {@code at} in the template. */
    private static int lineOf(String template, int at) {
        int line = 1;
        for (int i = 0; i < at && i < template.length(); i++) {
            if (template.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** lstrip_blocks applies to a tag with only spaces and tabs between the line's start and it. */
    private static boolean lstripApplies(String template, int tag) {
        int j = tag - 1;
        while (j >= 0 && (template.charAt(j) == ' ' || template.charAt(j) == '\t')) {
            j--;
        }
        return j < 0 || template.charAt(j) == '\n';
    }

    /**
     * Jinjava's lstrip_blocks strips the whitespace before any block tag, jinja2's only at a line's start: spaces
     * and tabs before a mid-line tag are printed by an expression instead, which Jinjava does not strip.
     */
    private static void keepMidLineWhitespace(StringBuilder out) {
        int j = out.length();
        while (j > 0 && (out.charAt(j - 1) == ' ' || out.charAt(j - 1) == '\t')) {
            j--;
        }
        if (j < out.length()) {
            String run = out.substring(j);
            out.setLength(j);
            out.append("{{ '").append(run).append("' }}");
        }
    }

    /**
     * A comment, with jinja2's whitespace rules (lstrip_blocks and trim_blocks apply to comments too, and
     * {@code {#-}/{@code -#}} strip), which Jinjava does not apply to comments: the comment and the whitespace it
     * removes become an empty comment holding the same line breaks. Returns the position after it.
     */
    private int comment(String template, int i, StringBuilder out) {
        int close = template.indexOf("#}", i + 2);
        int end = close < 0 ? template.length() : close + 2;
        int breaks = 0;
        if (template.startsWith("{#-", i)) {
            int j = out.length();
            while (j > 0 && Character.isWhitespace(out.charAt(j - 1))) {
                j--;
            }
            // the removed line breaks were counted when copied; they move inside the comment
            String removed = out.substring(j);
            out.setLength(j);
            int moved = (int) removed.chars().filter(c -> c == '\n').count();
            out.append("{#").append("\n".repeat(moved)).append("#}");
        } else if (lstripApplies(template, i)) {
            int j = out.length();
            while (j > 0 && (out.charAt(j - 1) == ' ' || out.charAt(j - 1) == '\t')) {
                j--;
            }
            out.setLength(j);
        }
        for (int k = i; k < end; k++) {
            if (template.charAt(k) == '\n') {
                breaks++;
            }
        }
        if (close >= 0 && template.charAt(close - 1) == '-') {
            while (end < template.length() && Character.isWhitespace(template.charAt(end))) {
                breaks += template.charAt(end) == '\n' ? 1 : 0;
                end++;
            }
        } else if (template.startsWith("\n", end)) {
            breaks++;
            end++;
        }
        out.append("{#").append("\n".repeat(breaks)).append("#}");
        for (int b = 0; b < breaks; b++) {
            originalLines.add(originalLines.get(originalLines.size() - 1) + 1);
        }
        return end;
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
            if (isUnaryNot(s, i, from)) {
                int end = operandEnd(s, i + 3, to);
                out.append("not (");
                String operand = s.substring(i + 3, end);
                line = expression(operand, 0, operand.length(), out, line);
                out.append(')');
                i = end;
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

    /** {@code {{ x }}} as {@code {{ (x)|alignspark_print }}}, keeping whitespace-control markers outside. */
    private static String printed(String inner) {
        int start = inner.startsWith("-") || inner.startsWith("+") ? 1 : 0;
        int end = inner.endsWith("-") || inner.endsWith("+") ? inner.length() - 1 : inner.length();
        if (end <= start || inner.substring(start, end).isBlank()) {
            return inner;
        }
        return inner.substring(0, start) + " (" + inner.substring(start, end) + ")|" + PRINT_FILTER + " "
                + inner.substring(end);
    }

    /** The word {@code not} as a unary operator (not {@code is not}, not {@code not in}). */
    private static boolean isUnaryNot(String s, int at, int from) {
        if (!s.startsWith("not", at) || (at + 3 < s.length() && isWordChar(s.charAt(at + 3)))
                || (at > from && isWordChar(s.charAt(at - 1)))) {
            return false;
        }
        int j = at - 1;
        while (j >= from && Character.isWhitespace(s.charAt(j))) {
            j--;
        }
        if (j < from) {
            return true;
        }
        char c = s.charAt(j);
        if ("([{,:=-+*/%<>!~".indexOf(c) >= 0) {
            return true;
        }
        int wordEnd = j + 1;
        while (j >= from && isWordChar(s.charAt(j))) {
            j--;
        }
        String word = s.substring(j + 1, wordEnd);
        return List.of("and", "or", "not", "if", "elif", "else").contains(word);   // after "is" it is "is not"
    }

    /** Where a unary not's operand ends: the next top-level and / or / if / else, closing bracket or comma. */
    private static int operandEnd(String s, int from, int to) {
        int depth = 0;
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = Math.min(literalEnd(s, i), to - 1) + 1;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}' || (c == ',' && depth == 0)) {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (depth == 0 && (i == from || !isWordChar(s.charAt(i - 1)))) {
                for (String stop : List.of("and", "or", "if", "else")) {
                    if (s.startsWith(stop, i) && (i + stop.length() >= to || !isWordChar(s.charAt(i + stop.length())))) {
                        return i;
                    }
                }
            }
            i++;
        }
        return to;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
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
                    out.append(r);   // a line break inside a literal: Jinjava does not count it as a line
                }
            }
            i += consumed;
        }
        out.append(quote);
        return line;
    }
}
