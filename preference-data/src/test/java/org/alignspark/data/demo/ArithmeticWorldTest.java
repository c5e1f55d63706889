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
    private final ArithmeticWorld world = new ArithmeticWorld(3, 9, 0.5, 0.25, 0.2);

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
}
