package org.alignspark.data.formats;

import java.util.List;

import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.Attempt;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.data.avro.Turn;

/**
 * Self-correction traces: {@code prompt}, optional {@code reference_answer}, and {@code attempts} in order, each
 * {@code {"text": …, "correct": true|false, "final_answer": …}} (correct and final_answer optional) or a plain string.
 */
final class SelfCorrectionReader {
    private SelfCorrectionReader() {}

    static RowOutcome read(Fields fields, ReaderOptions options) {
        List<Turn> prompt = Records.checkTurns(fields.turns("prompt"), options);
        String reference = fields.optionalText("reference_answer");
        List<Attempt> attempts = fields.textItems("attempts",
                (i, text) -> new Attempt(i + 1, text, null, null),
                (i, attempt) -> new Attempt(i + 1, attempt.text("text"), attempt.optionalText("final_answer"),
                        attempt.has("correct") ? attempt.bool("correct") : null));
        String promptId = PromptIds.promptId(prompt);
        return new RowOutcome.Accepted(SelfCorrectionTrace.newBuilder()
                .setTraceId(PromptIds.contentId(promptId, reference, attempts))
                .setPromptId(promptId)
                .setPrompt(prompt)
                .setReferenceAnswer(reference)
                .setAttempts(attempts)
                .setSource(options.source())
                .setSplit(PromptIds.split(promptId, options.testFraction()))
                .build());
    }
}
