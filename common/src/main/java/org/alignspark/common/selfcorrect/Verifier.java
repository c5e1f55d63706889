package org.alignspark.common.selfcorrect;

import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Decides whether a response answers a question whose reference answer is known: the oracle reward r̂(y, y*) of SCoRe
 * (docs/spec-data-side.md §4a) and the task checkers of Confidence v.s. Critique (§3b). Pluggable: {@link #parse} reads
 * {@code exact}, {@code numeric[:tolerance]} or {@code regex:<pattern>}.
 */
public interface Verifier extends Serializable {

    /** What a verifier made of one response: the answer it read (null when none) and its verdict. */
    record Judgement(String finalAnswer, boolean correct) {
        public double reward() {
            return correct ? 1.0 : 0.0;
        }
    }

    Judgement judge(String response, String reference);

    /** Why {@code reference} cannot be checked by this verifier, or null when it can. */
    default String rejectReference(String reference) {
        if (reference == null || reference.isBlank()) {
            return "no reference answer";
        }
        return null;
    }

    /** {@code exact}, {@code numeric} (tolerance 1e-6), {@code numeric:<tolerance>} or {@code regex:<pattern>}. */
    static Verifier parse(String spec) {
        if (spec.equals("exact")) {
            return new ExactMatch();
        }
        if (spec.equals("numeric")) {
            return new NumericTolerance(NumericTolerance.DEFAULT_TOLERANCE);
        }
        if (spec.startsWith("numeric:")) {
            try {
                return new NumericTolerance(Double.parseDouble(spec.substring("numeric:".length())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("verifier '" + spec + "': the tolerance is not a number");
            }
        }
        if (spec.startsWith("regex:")) {
            return new RegexVerifier(spec.substring("regex:".length()));
        }
        throw new IllegalArgumentException("unknown verifier '" + spec + "': use exact, numeric[:tolerance] or regex:<pattern>");
    }

    /** Exact match of the normalized final answer ({@link FinalAnswer}) against the normalized reference. */
    record ExactMatch() implements Verifier {
        @Override
        public Judgement judge(String response, String reference) {
            String answer = FinalAnswer.extract(response);
            return new Judgement(answer, answer != null && answer.equals(FinalAnswer.normalize(reference)));
        }
    }

    /** The last number of the final answer within an absolute {@code tolerance} of the reference's number. */
    record NumericTolerance(double tolerance) implements Verifier {
        public static final double DEFAULT_TOLERANCE = 1e-6;

        public NumericTolerance {
            if (!(tolerance >= 0)) {
                throw new IllegalArgumentException("numeric tolerance must be ≥ 0, got " + tolerance);
            }
        }

        @Override
        public Judgement judge(String response, String reference) {
            String answer = FinalAnswer.extract(response);
            double value = answer == null ? Double.NaN : FinalAnswer.lastNumber(answer);
            double expected = FinalAnswer.lastNumber(reference);
            if (Double.isNaN(expected)) {
                throw new IllegalArgumentException("reference answer '" + reference + "' has no number");
            }
            return new Judgement(answer, !Double.isNaN(value) && Math.abs(value - expected) <= tolerance);
        }

        @Override
        public String rejectReference(String reference) {
            String missing = Verifier.super.rejectReference(reference);
            if (missing != null) {
                return missing;
            }
            return Double.isNaN(FinalAnswer.lastNumber(reference)) ? "reference answer '" + reference + "' has no number" : null;
        }
    }

    /**
     * A user's pattern reads the final answer: group 1 of its last match (the whole match when it has no group),
     * compared normalized with the reference; no match is a wrong answer.
     */
    record RegexVerifier(String pattern) implements Verifier {
        public RegexVerifier {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("verifier regex '" + pattern + "' does not compile: " + e.getDescription());
            }
        }

        @Override
        public Judgement judge(String response, String reference) {
            Matcher m = Pattern.compile(pattern).matcher(response);
            String found = null;
            while (m.find()) {
                found = m.groupCount() >= 1 ? m.group(1) : m.group();
            }
            if (found == null) {
                return new Judgement(null, false);
            }
            String answer = FinalAnswer.normalize(found);
            return new Judgement(answer, answer.equals(FinalAnswer.normalize(reference)));
        }
    }
}
