package org.alignspark.data.formats;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.Attempt;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.data.avro.Turn;

/**
 * Self-correction traces: {@code prompt}, optional {@code reference_answer}, and {@code attempts} in order, each
 * {@code {"text": …, "correct": true|false, "final_answer": …}} (correct and final_answer optional) or a plain string.
 */
public final class SelfCorrectionReader implements FormatReader {
    private final ReaderOptions options;

    public SelfCorrectionReader(ReaderOptions options) {
        this.options = options;
    }

    @Override
    public DatasetKind kind() {
        return DatasetKind.SELF_CORRECTION_TRACE;
    }

    @Override
    public RowOutcome read(JsonNode row) {
        Fields fields = new Fields(row, options.maxChars());
        List<Turn> prompt = Records.checkTurns(fields.turns("prompt"), options);
        String reference = fields.optionalText("reference_answer");
        JsonNode list = fields.array("attempts");
        if (list.isEmpty()) {
            throw new InvalidRowException("field 'attempts' has no attempts");
        }
        List<Attempt> attempts = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            attempts.add(attempt(list.get(i), i));
        }
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

    private Attempt attempt(JsonNode node, int i) {
        String where = "attempts[" + i + "]";
        if (node.isTextual()) {
            return new Attempt(i + 1, Fields.checkedText(where, node.textValue(), options.maxChars()), null, null);
        }
        if (!node.isObject()) {
            throw new InvalidRowException("'" + where + "' must be a string or an object with 'text', got " + Fields.typeOf(node));
        }
        Fields attempt = new Fields(node, options.maxChars());
        try {
            return new Attempt(i + 1, attempt.text("text"), attempt.optionalText("final_answer"),
                    attempt.has("correct") ? attempt.bool("correct") : null);
        } catch (InvalidRowException e) {
            throw new InvalidRowException(where + ": " + e.getMessage());
        }
    }
}
