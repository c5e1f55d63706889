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

    private static BestWorstPair.Outcome round(BestWorstPair.Outcome o) {
        BestWorstPair.Selected s = (BestWorstPair.Selected) o;
        return new BestWorstPair.Selected(s.chosen(), s.rejected(), Math.round(s.gap() * 1e9) / 1e9);
    }
}
