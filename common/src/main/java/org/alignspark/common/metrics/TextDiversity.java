package org.alignspark.common.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Lexical diversity of a set of generated texts, over lowercased word tokens ({@link #words}).
 * <ul>
 *   <li>distinct-n (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural Conversation Models",
 *       §4.2): distinct n-grams / all n-grams of the set.</li>
 *   <li>self-BLEU (Zhu et al. 2018, "Texygen", §3.2): the mean over texts of the BLEU of each text against all the
 *       others as references; higher means less diverse. BLEU is Papineni et al. 2002 (clipped n-gram precisions
 *       up to 4, uniform weights, brevity penalty against the closest reference length) with smoothing method 1 of
 *       Chen &amp; Cherry 2014 (ε = 0.1 added to a zero count), as Texygen computes it through NLTK.</li>
 * </ul>
 */
public final class TextDiversity {
    public static final int BLEU_ORDER = 4;
    private static final double EPSILON = 0.1;

    private TextDiversity() {
    }

    /** Lowercased runs of letters and digits: "It is 42." → [it, is, 42]. */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** distinct-n of a set of tokenized texts; NaN when no text has n tokens. */
    public static double distinctN(List<List<String>> texts, int n) {
        Set<List<String>> distinct = new HashSet<>();
        long total = 0;
        for (List<String> text : texts) {
            for (int i = 0; i + n <= text.size(); i++) {
                distinct.add(text.subList(i, i + n));
                total++;
            }
        }
        return total == 0 ? Double.NaN : (double) distinct.size() / total;
    }

    /** Self-BLEU-4 of a set; NaN with fewer than two texts. */
    public static double selfBleu(List<List<String>> texts) {
        if (texts.size() < 2) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < texts.size(); i++) {
            List<List<String>> references = new ArrayList<>(texts);
            references.remove(i);
            sum += bleu(texts.get(i), references, BLEU_ORDER);
        }
        return sum / texts.size();
    }

    /**
     * Sentence BLEU of {@code hypothesis} against {@code references}: BP · exp(Σ_n (1/N) log p_n), p_n the clipped
     * n-gram precision (a zero count becomes ε / count), 0 when no unigram matches or the hypothesis is empty.
     */
    public static double bleu(List<String> hypothesis, List<List<String>> references, int order) {
        if (hypothesis.isEmpty()) {
            return 0.0;
        }
        double logPrecision = 0;
        for (int n = 1; n <= order; n++) {
            Map<List<String>, Integer> counts = ngrams(hypothesis, n);
            Map<List<String>, Integer> maxReference = new HashMap<>();
            for (List<String> reference : references) {
                ngrams(reference, n).forEach((g, c) -> maxReference.merge(g, c, Math::max));
            }
            long matched = 0;
            long total = 0;
            for (Map.Entry<List<String>, Integer> e : counts.entrySet()) {
                matched += Math.min(e.getValue(), maxReference.getOrDefault(e.getKey(), 0));
                total += e.getValue();
            }
            if (n == 1 && matched == 0) {
                return 0.0;
            }
            double denominator = Math.max(1, total);
            logPrecision += Math.log(matched == 0 ? EPSILON / denominator : matched / denominator) / order;
        }
        int c = hypothesis.size();
        int r = closestLength(c, references);
        double brevity = c > r ? 1.0 : Math.exp(1.0 - (double) r / c);
        return brevity * Math.exp(logPrecision);
    }

    /** The reference length closest to c, the shorter one on a tie. */
    private static int closestLength(int c, List<List<String>> references) {
        int best = references.get(0).size();
        for (List<String> reference : references) {
            int r = reference.size();
            if (Math.abs(r - c) < Math.abs(best - c) || (Math.abs(r - c) == Math.abs(best - c) && r < best)) {
                best = r;
            }
        }
        return best;
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(tokens.subList(i, i + n), 1, Integer::sum);
        }
        return counts;
    }
}
