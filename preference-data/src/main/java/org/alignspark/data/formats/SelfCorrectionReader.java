package org.alignspark.data.formats;

import java.util.List;
import java.util.Set;
import java.util.SortedMap;

import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.Attempt;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.data.avro.Turn;

/**
 * Self-correction traces: {@code prompt}, optional {@code reference_answer}, and {@code attempts} in order, each
 * {@code {"text": …, "correct": true|false, "final_answer": …}} (correct and final_answer optional) or a plain string;
 * optional {@code correction_instruction} (the user turn between attempts). Every other top-level string, number or
 * boolean field ({@code model}, {@code dataset}, …) is kept in {@code tags}, so that metrics can be grouped by it.
 */
final class SelfCorrectionReader {
    /** The fields this format reads itself; {@code split} is the dataset's own split, which ingest reads for every format. */
    private static final Set<String> READ = Set.of("prompt", "reference_answer", "attempts", "correction_instruction", "split");

    private SelfCorrectionReader() {}

    static RowOutcome read(Fields fields, ReaderOptions options) {
        List<Turn> prompt = Records.checkTurns(fields.turns("prompt"), options);
        String reference = fields.optionalText("reference_answer");
        List<Attempt> attempts = fields.textItems("attempts",
                (i, text) -> new Attempt(i + 1, text, null, null),
                (i, attempt) -> new Attempt(i + 1, attempt.text("text"), attempt.optionalText("final_answer"),
                        attempt.has("correct") ? attempt.bool("correct") : null));
        String instruction = fields.optionalText("correction_instruction");
        SortedMap<String, String> tags = fields.scalarsExcept(READ);
        String promptId = PromptIds.promptId(prompt);
        // Tags and the instruction join the content id only when present, so traces without them keep their ids, and
        // two models' identical attempts at one prompt stay two traces.
        String traceId = tags.isEmpty() && instruction == null
                ? PromptIds.contentId(promptId, reference, attempts)
                : PromptIds.contentId(promptId, reference, attempts, instruction, tags);
        return new RowOutcome.Accepted(SelfCorrectionTrace.newBuilder()
                .setTraceId(traceId)
                .setPromptId(promptId)
                .setPrompt(prompt)
                .setReferenceAnswer(reference)
                .setAttempts(attempts)
                .setCorrectionInstruction(instruction)
                .setTags(tags.isEmpty() ? null : new java.util.HashMap<>(tags))
                .setSource(options.source())
                .setSplit(PromptIds.split(promptId, options.testFraction()))
                .build());
    }
}
