package org.alignspark.data.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.selfcorrect.Verifier;
import org.alignspark.data.avro.Dialogue;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.junit.jupiter.api.Test;

class ArithmeticWorldTest {
    private final ArithmeticWorld world = new ArithmeticWorld(3, 9, 9, new ArithmeticWorld.SimulatedPolicy(0.5, 0.25, 0), 0.2, ArithmeticWorld.Format.PROSE);

    @Test
    void tracesCarryVerdictsTheVerifierAgreesWith() {
        Verifier exact = Verifier.parse("exact");
        List<SelfCorrectionTrace> traces = world.traces(400, CorrectionInstruction.SCORE);
        assertEquals(400, traces.size());
        assertEquals(400, traces.stream().map(SelfCorrectionTrace::getTraceId).distinct().count());
        for (SelfCorrectionTrace t : traces) {
            for (var attempt : t.getAttempts()) {
                assertEquals(exact.judge(attempt.getText(), t.getReferenceAnswer()).correct(), attempt.getCorrect(), t.toString());
            }
            assertEquals(CorrectionInstruction.SCORE_TEXT, t.getCorrectionInstruction());
        }
        assertEquals(traces, world.traces(400, CorrectionInstruction.SCORE));   // a function of the seed
    }

    @Test
    void simulatedPolicyFixesSomeWrongFirstAttemptsAndNeverBreaksARightOne() {
        List<SelfCorrectionTrace> traces = world.traces(2000, CorrectionInstruction.SCORE);
        long firstRight = traces.stream().filter(t -> t.getAttempts().get(0).getCorrect()).count();
        long fixed = traces.stream().filter(t -> !t.getAttempts().get(0).getCorrect() && t.getAttempts().get(1).getCorrect()).count();
        long broken = traces.stream().filter(t -> t.getAttempts().get(0).getCorrect() && !t.getAttempts().get(1).getCorrect()).count();
        assertEquals(0.5, firstRight / 2000.0, 0.05);
        assertEquals(0.25, fixed / (double) (2000 - firstRight), 0.05);
        assertEquals(0, broken);
        assertTrue(traces.stream().anyMatch(t -> t.getSplit().equals("test")));
    }

    @Test
    void policyDialoguesTeachBothTurns() {
        List<Dialogue> dialogues = world.policyDialogues(10, CorrectionInstruction.parse("Check it."));
        assertEquals(20, dialogues.size());
        assertEquals(1, dialogues.get(0).getPrompt().size());
        assertEquals(3, dialogues.get(1).getPrompt().size());
        assertEquals("Check it.", dialogues.get(1).getPrompt().get(2).getContent());
        assertEquals(dialogues.get(0).getCompletion(), dialogues.get(1).getPrompt().get(1).getContent());
        assertTrue(dialogues.get(0).getCompletion().startsWith("The answer is "));
    }

    @Test
    void terseWordingAsksAndAnswersWithTheBareNumbers() {
        ArithmeticWorld terse = new ArithmeticWorld(3, 9, 9, new ArithmeticWorld.SimulatedPolicy(0.5, 0.25, 0), 0.2, ArithmeticWorld.Format.TERSE);
        Verifier exact = Verifier.parse("exact");
        List<SelfCorrectionTrace> traces = terse.traces(200, CorrectionInstruction.SCORE);
        assertEquals("0+0", traces.get(0).getPrompt().get(0).getContent());
        for (SelfCorrectionTrace t : traces) {
            for (var attempt : t.getAttempts()) {
                assertTrue(attempt.getText().matches("\\d+"), attempt.getText());
                assertEquals(attempt.getText().toString(), attempt.getFinalAnswer().toString());
                assertEquals(exact.judge(attempt.getText(), t.getReferenceAnswer()).correct(), attempt.getCorrect(), t.toString());
            }
        }
        // the same draws as the prose world: only the wording differs
        List<SelfCorrectionTrace> prose = world.traces(200, CorrectionInstruction.SCORE);
        for (int i = 0; i < 200; i++) {
            assertEquals(prose.get(i).getAttempts().get(1).getCorrect(), traces.get(i).getAttempts().get(1).getCorrect());
        }
    }

    @Test
    void breakingPolicyTurnsRightFirstAttemptsWrongAtItsBreakRate() {
        ArithmeticWorld breaking = new ArithmeticWorld(3, 9, 9, new ArithmeticWorld.SimulatedPolicy(0.6, 0.2, 0.5), 0.2,
                ArithmeticWorld.Format.TERSE);
        List<SelfCorrectionTrace> traces = breaking.traces(4000, CorrectionInstruction.SCORE);
        long firstRight = traces.stream().filter(t -> t.getAttempts().get(0).getCorrect()).count();
        long fixed = traces.stream().filter(t -> !t.getAttempts().get(0).getCorrect() && t.getAttempts().get(1).getCorrect()).count();
        long broken = traces.stream().filter(t -> t.getAttempts().get(0).getCorrect() && !t.getAttempts().get(1).getCorrect()).count();
        assertEquals(0.5, broken / (double) firstRight, 0.04);
        assertEquals(0.2, fixed / (double) (4000 - firstRight), 0.04);
        // Δ = fixRate·(1 − acc₁) − breakRate·acc₁ = 0.2·0.4 − 0.5·0.6 = −0.22
        assertEquals(-0.22, (fixed - broken) / 4000.0, 0.03);
    }

    @Test
    void secondOperandBoundLimitsTheQuestions() {
        ArithmeticWorld addingZero = new ArithmeticWorld(3, 19, 0, new ArithmeticWorld.SimulatedPolicy(0.5, 0.2, 0), 0.2,
                ArithmeticWorld.Format.TERSE);
        assertEquals(20, addingZero.questions().size());
        assertTrue(addingZero.questions().stream().allMatch(q -> q.b() == 0 && q.value() == q.a()));
    }
}
