package org.alignspark.common.selfcorrect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.alignspark.common.tokenizer.Message;
import org.junit.jupiter.api.Test;

class ScoreRewardsTest {
    private static final ScoreRewards.Coefficients PAPER = ScoreRewards.Coefficients.PAPER;

    @Test
    void stageOneRewardsOnlyTheSecondAttemptAndPinsTheFirstWithBetaTwoOnTopOfBetaOne() {
        // turn 1: −(β2 + β1)·KL = −(0.1 + 0.01) · 2 = −0.22, whatever r1 is (Eq. 3's β2 KL plus Eq. 2's default β1 KL)
        assertEquals(-0.22, ScoreRewards.firstTurnReturn(ScoreRewards.Stage.I, PAPER, 1.0, 2.0), 1e-12);
        // turn 2: r2 − β1·KL = 1 − 0.01 · 3 = 0.97, no shaping bonus
        assertEquals(0.97, ScoreRewards.secondTurnReturn(ScoreRewards.Stage.I, PAPER, 0.0, 1.0, 3.0), 1e-12);
    }

    @Test
    void stageTwoShapesTheSecondAttemptWithAlphaTimesTheFlip() {
        ScoreRewards.Stage two = ScoreRewards.Stage.II;
        assertEquals(0.98, ScoreRewards.firstTurnReturn(two, PAPER, 1.0, 2.0), 1e-12);        // 1 − 0.01·2
        assertEquals(11.0, ScoreRewards.secondTurnReturn(two, PAPER, 0.0, 1.0, 0.0), 1e-12);  // i→c: 1 + 10·1
        assertEquals(-10.0, ScoreRewards.secondTurnReturn(two, PAPER, 1.0, 0.0, 0.0), 1e-12); // c→i: 0 + 10·(−1)
        assertEquals(1.0, ScoreRewards.secondTurnReturn(two, PAPER, 1.0, 1.0, 0.0), 1e-12);   // c→c
        assertEquals(-0.05, ScoreRewards.secondTurnReturn(two, PAPER, 0.0, 0.0, 5.0), 1e-12); // i→i with KL 5
    }

    @Test
    void leaveOneOutBaselineIsTheMeanOfTheOtherSamples() {
        // returns (11, 1, 0, −10): A_0 = 11 − (1 + 0 − 10)/3 = 14, A_1 = 1 − 1/3, A_2 = 0 − 2/3, A_3 = −10 − 4
        assertArrayEquals(new double[] {14.0, 2.0 / 3, -2.0 / 3, -14.0},
                ScoreRewards.leaveOneOutAdvantages(new double[] {11, 1, 0, -10}), 1e-12);
        assertArrayEquals(new double[] {0, 0, 0}, ScoreRewards.leaveOneOutAdvantages(new double[] {1, 1, 1}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ScoreRewards.leaveOneOutAdvantages(new double[] {1}));
    }

    @Test
    void secondTurnContextIsThePromptTheFirstAttemptAndTheInstruction() {
        List<Message> prompt = List.of(new Message("user", "What is 2 + 2?"));
        assertEquals(List.of(prompt.get(0), new Message("assistant", "The answer is 5."),
                        new Message("user", CorrectionInstruction.SCORE_TEXT)),
                CorrectionInstruction.SCORE.secondTurnPrompt(prompt, "The answer is 5."));
        assertEquals("What is 2 + 2?", CorrectionInstruction.parse("reask").secondTurnPrompt(prompt, "4").get(2).content());
        assertEquals("Check.", CorrectionInstruction.parse("Check.").userTurn(prompt));
        assertEquals(CorrectionInstruction.SCORE, CorrectionInstruction.parse("score"));
    }
}
