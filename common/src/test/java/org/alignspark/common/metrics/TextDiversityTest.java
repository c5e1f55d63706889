package org.alignspark.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class TextDiversityTest {
    private static List<String> w(String text) {
        return TextDiversity.words(text);
    }

    @Test
    void wordsAreLowercasedRunsOfLettersAndDigits() {
        assertEquals(List.of("it", "is", "42", "ok"), w("It is 42. OK!"));
    }

    @Test
    void distinctNCountsUniqueNGramsOverAllNGramsOfTheSet() {
        List<List<String>> set = List.of(w("a b a b"), w("a c"));
        assertEquals(3 / 6.0, TextDiversity.distinctN(set, 1), 1e-12);   // a b a b a c
        assertEquals(3 / 4.0, TextDiversity.distinctN(set, 2), 1e-12);   // ab ba ab ac
        assertTrue(Double.isNaN(TextDiversity.distinctN(List.of(w("a")), 2)));
    }

    @Test
    void bleuMultipliesClippedPrecisionsWithSmoothingAndBrevityPenalty() {
        // p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = 0 → ε = 0.1; equal lengths: no penalty
        assertEquals(Math.pow(0.75 * (2 / 3.0) * 0.5 * 0.1, 0.25),
                TextDiversity.bleu(w("a b c d"), List.of(w("a b c e")), 4), 1e-12);
        // a two-word hypothesis against four words: p1 = p2 = 1, p3 = p4 = ε / 1, BP = exp(1 − 4/2)
        assertEquals(Math.exp(-1) * Math.pow(0.1 * 0.1, 0.25),
                TextDiversity.bleu(w("a b"), List.of(w("a b c d")), 4), 1e-12);
        // counts are clipped by the most any one reference has: p1 = 2/4 ("a a x" has two), p2 = 1/3,
        // p3 = ε/2, p4 = ε/1; the closest reference length is 3 < 4: no penalty
        assertEquals(Math.pow(0.5 * (1 / 3.0) * (0.1 / 2) * 0.1, 0.25),
                TextDiversity.bleu(w("a a a a"), List.of(w("a a x"), w("b a")), 4), 1e-12);
        assertEquals(0.0, TextDiversity.bleu(w("x y"), List.of(w("a b")), 4));
    }

    @Test
    void selfBleuIsOneForCopiesAndZeroForDisjointTexts() {
        assertEquals(1.0, TextDiversity.selfBleu(List.of(w("a b c d"), w("a b c d"), w("a b c d"))), 1e-12);
        assertEquals(0.0, TextDiversity.selfBleu(List.of(w("a b c d"), w("e f g h"))), 0.0);
        assertEquals(Math.pow(0.75 * (2 / 3.0) * 0.5 * 0.1, 0.25),
                TextDiversity.selfBleu(List.of(w("a b c d"), w("a b c e"))), 1e-12);
        assertTrue(Double.isNaN(TextDiversity.selfBleu(List.of(w("a b")))));
    }
}
