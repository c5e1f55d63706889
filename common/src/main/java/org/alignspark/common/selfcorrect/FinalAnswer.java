package org.alignspark.common.selfcorrect;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The final answer of a response, as the verifiers compare it. The answer follows the last "answer is" / "answer:"
 * marker (SCoRe's MATH format "Final Answer: The final answer is $answer$. I hope it is correct.", docs/spec-data-side.md §4c,
 * and the demo world's "The answer is 12."); without a marker it is the response's last non-empty line.
 */
public final class FinalAnswer {
    private static final Pattern MARKER = Pattern.compile("(?i)\\banswer\\s*(?:is|:)\\s*");
    private static final Pattern NUMBER = Pattern.compile("[-+]?\\d[\\d,]*(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|[-+]?\\.\\d+");

    private FinalAnswer() {
    }

    /** The answer text of {@code response}, or null when the response is blank. */
    public static String extract(String response) {
        String answer = null;
        Matcher m = MARKER.matcher(response);
        int last = -1;
        while (m.find()) {
            last = m.end();
        }
        if (last >= 0) {
            String rest = response.substring(last);
            int newline = rest.indexOf('\n');
            rest = (newline >= 0 ? rest.substring(0, newline) : rest).strip();
            if (rest.startsWith("$") && rest.indexOf('$', 1) > 0) {
                answer = rest.substring(1, rest.indexOf('$', 1));
            } else {
                int sentenceEnd = rest.indexOf(". ");
                answer = sentenceEnd >= 0 ? rest.substring(0, sentenceEnd) : rest;
            }
        } else {
            String[] lines = response.strip().split("\n");
            answer = lines[lines.length - 1];
        }
        answer = normalize(answer);
        return answer.isEmpty() ? null : answer;
    }

    /**
     * The comparable form of an answer: lower case, surrounding whitespace, {@code $} and trailing sentence
     * punctuation removed, inner whitespace collapsed.
     */
    public static String normalize(String answer) {
        String s = answer.strip().toLowerCase(Locale.ROOT).replace("$", "").replaceAll("\\s+", " ").strip();
        while (!s.isEmpty() && ".!?;:".indexOf(s.charAt(s.length() - 1)) >= 0) {
            s = s.substring(0, s.length() - 1).strip();
        }
        return s;
    }

    /** The last number in {@code text} (thousands separators allowed), or NaN when there is none. */
    public static double lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return last == null ? Double.NaN : Double.parseDouble(last.replace(",", ""));
    }
}
