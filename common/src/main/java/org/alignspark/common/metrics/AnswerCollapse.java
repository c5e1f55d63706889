package org.alignspark.common.metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answer collapse (after Park, Schoenegger &amp; Zhu 2024, "Diminished diversity-of-thought in a standard large
 * language model"): a prompt has collapsed when all of its K ≥ 2 samples give one and the same answer; the collapse
 * rate of a set is the share of its prompts (with at least two samples) that collapsed.
 */
public final class AnswerCollapse {
    /** The answer a response gives, compared by equality. */
    @FunctionalInterface
    public interface AnswerExtractor extends java.io.Serializable {
        String answer(String response);
    }

    private static final Pattern NUMBER = Pattern.compile("-?\\d[\\d,]*(?:\\.\\d+)?");

    /**
     * The default extractor: the last number in the response (commas dropped, "42.0" = "42"), or, when it has no
     * number, its last non-blank line {@link #normalized}.
     */
    public static final AnswerExtractor FINAL_NUMBER_OR_LINE = AnswerCollapse::finalNumberOrLine;

    private AnswerCollapse() {
    }

    /** Lowercased, runs of anything but letters and digits replaced by one space, trimmed: "It is Blue!" → "it is blue". */
    public static String normalized(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").trim();
    }

    private static String finalNumberOrLine(String response) {
        Matcher m = NUMBER.matcher(response);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        if (last != null) {
            String plain = last.replace(",", "");
            return plain.contains(".") ? plain.replaceAll("\\.?0+$", "") : plain;
        }
        String[] lines = response.strip().split("\\R");
        return normalized(lines[lines.length - 1]);
    }

    /** Whether every response gives the same answer; false for fewer than two responses (nothing to compare). */
    public static boolean collapsed(List<String> responses, AnswerExtractor extractor) {
        return responses.size() >= 2 && distinctAnswers(responses, extractor) == 1;
    }

    public static int distinctAnswers(List<String> responses, AnswerExtractor extractor) {
        Set<String> answers = new HashSet<>();
        for (String r : responses) {
            answers.add(extractor.answer(r));
        }
        return answers.size();
    }

    /** The collapse rate over prompts, each a list of its samples; prompts with fewer than two samples are not trials. */
    public static Proportion rate(List<List<String>> samplesPerPrompt, AnswerExtractor extractor) {
        long trials = 0;
        long collapsed = 0;
        for (List<String> samples : samplesPerPrompt) {
            if (samples.size() >= 2) {
                trials++;
                collapsed += collapsed(samples, extractor) ? 1 : 0;
            }
        }
        return new Proportion(collapsed, trials);
    }

    /**
     * Whether a response states the reference answer: its {@link #normalized} words contain the reference's as a
     * contiguous run ("It is a cow." states "a cow"). The demo world's coherence proxy.
     */
    public static boolean statesReference(String response, String reference) {
        String ref = normalized(reference);
        return !ref.isEmpty() && (" " + normalized(response) + " ").contains(" " + ref + " ");
    }
}
