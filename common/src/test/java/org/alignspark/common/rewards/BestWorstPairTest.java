package org.alignspark.common.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BestWorstPairTest {

    @Test
    void choosesHighestAndRejectsLowestScore() {
        // scores (0.2, 1.5, −0.7, 1.5): best index 1 (first of the tie at 1.5), worst index 2, gap 2.2
        BestWorstPair.Outcome o = BestWorstPair.select(new double[] {0.2, 1.5, -0.7, 1.5}, 1.0);
        assertEquals(new BestWorstPair.Selected(1, 2, 2.2), round(o));
    }

    @Test
    void promptsWithoutAPairSayWhy() {
        assertEquals(new BestWorstPair.TooFewResponses(1), BestWorstPair.select(new double[] {0.3, Double.NaN}, 0));
        assertEquals(new BestWorstPair.AllTied(0.3), BestWorstPair.select(new double[] {0.3, 0.3, 0.3}, 0));
        assertEquals(new BestWorstPair.BelowMargin(0.5), BestWorstPair.select(new double[] {0.5, 1.0}, 0.6));
    }

    @Test
    void nanScoresAreSkipped() {
        assertEquals(new BestWorstPair.Selected(2, 0, 3.0), BestWorstPair.select(new double[] {-1, Double.NaN, 2}, 0));
    }

    @Test
    void rankedPairsTheIthBestWithTheIthWorstWhileTheGapHolds() {
        // best first: index 1 (1.5), 3 (1.5), 4 (0.9), 0 (0.2), 5 (−0.1), 2 (−0.7)
        double[] scores = {0.2, 1.5, -0.7, 1.5, 0.9, -0.1};
        assertEquals(java.util.List.of(new BestWorstPair.Selected(1, 2, 2.2), new BestWorstPair.Selected(3, 5, 1.6),
                new BestWorstPair.Selected(4, 0, 0.7)), roundAll(BestWorstPair.ranked(scores, 0, 3)));
        assertEquals(2, BestWorstPair.ranked(scores, 0, 2).size());
        assertEquals(2, BestWorstPair.ranked(scores, 1.0, 3).size());   // the third gap, 0.7, is below the margin
        assertEquals(3, BestWorstPair.ranked(scores, 0, 10).size());    // six responses give at most three pairs
        // ties at the bottom are taken in index order, as select takes the first
        assertEquals(java.util.List.of(new BestWorstPair.Selected(0, 2, 1.0), new BestWorstPair.Selected(1, 3, 1.0)),
                BestWorstPair.ranked(new double[] {1, 1, 0, 0}, 0, 2));
        assertEquals(java.util.List.of(), BestWorstPair.ranked(new double[] {0.3, 0.3, 0.3}, 0, 2));
        assertEquals(java.util.List.of(), BestWorstPair.ranked(new double[] {0.5, 1.0}, 0.6, 2));
        assertEquals(java.util.List.of(new BestWorstPair.Selected(2, 0, 3.0)), BestWorstPair.ranked(new double[] {-1, Double.NaN, 2}, 0, 4));
    }

    @Test
    void theFirstRankedPairIsTheBestWorstPair() {
        java.util.Random random = new java.util.Random(3);
        for (int trial = 0; trial < 200; trial++) {
            double[] scores = new double[2 + random.nextInt(8)];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = random.nextInt(4);   // small integers: plenty of ties
            }
            BestWorstPair.Outcome one = BestWorstPair.select(scores, 0);
            var ranked = BestWorstPair.ranked(scores, 0, scores.length);
            assertEquals(one instanceof BestWorstPair.Selected ? java.util.List.of(one) : java.util.List.of(), ranked.subList(0, Math.min(1, ranked.size())),
                    java.util.Arrays.toString(scores));
            java.util.Set<Integer> used = new java.util.HashSet<>();
            ranked.forEach(p -> {
                org.junit.jupiter.api.Assertions.assertTrue(used.add(p.chosen()) && used.add(p.rejected()), java.util.Arrays.toString(scores));
                org.junit.jupiter.api.Assertions.assertTrue(scores[p.chosen()] > scores[p.rejected()]);
            });
        }
    }

    @Test
    void constrainedPairsPassOverAResponseWithNoAllowedPartner() {
        // best first: 1 (1.5), 3 (1.4), 4 (0.9), 0 (0.2), 5 (−0.1), 2 (−0.7); only indices of equal parity may pair
        double[] scores = {0.2, 1.5, -0.7, 1.4, 0.9, -0.1};
        java.util.function.BiPredicate<Integer, Integer> sameParity = (c, r) -> c % 2 == r % 2;
        // 1 takes 5 (the lowest odd), 3 has no odd partner left below it, 4 takes 2, 0 has no even partner left
        assertEquals(java.util.List.of(new BestWorstPair.Selected(1, 5, 1.6), new BestWorstPair.Selected(4, 2, 1.6)),
                roundAll(BestWorstPair.ranked(scores, 0, 3, sameParity)));
        assertEquals(1, BestWorstPair.ranked(scores, 0, 1, sameParity).size());
        // only 1 and 0 may be chosen, at a gap of at least 2: 1 against 2 (2.2); 0's best gap, 0.9, is below the margin
        assertEquals(java.util.List.of(new BestWorstPair.Selected(1, 2, 2.2)),
                roundAll(BestWorstPair.ranked(scores, 2.0, 3, (c, r) -> c == 1 || c == 0)));
        assertEquals(java.util.List.of(), BestWorstPair.ranked(scores, 0, 3, (c, r) -> false));
    }

    private static java.util.List<BestWorstPair.Selected> roundAll(java.util.List<BestWorstPair.Selected> pairs) {
        return pairs.stream().map(p -> (BestWorstPair.Selected) round(p)).toList();
    }

    private static BestWorstPair.Outcome round(BestWorstPair.Outcome o) {
        BestWorstPair.Selected s = (BestWorstPair.Selected) o;
        return new BestWorstPair.Selected(s.chosen(), s.rejected(), Math.round(s.gap() * 1e9) / 1e9);
    }
}
