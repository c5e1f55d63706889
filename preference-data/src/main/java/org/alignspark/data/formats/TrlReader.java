package org.alignspark.data.formats;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.avro.Turn;

/**
 * TRL's dataset formats. Paired: {@code prompt}/{@code chosen}/{@code rejected} (+ optional {@code margin}), standard
 * (strings) or conversational (message lists), with an explicit prompt or TRL's implicit prompt (full conversations in
 * chosen and rejected that share every turn but the last). Unpaired: {@code prompt}/{@code completion}/{@code label}.
 */
public final class TrlReader implements FormatReader {
    private final DatasetKind kind;
    private final ReaderOptions options;

    public TrlReader(DatasetKind kind, ReaderOptions options) {
        if (kind != DatasetKind.PREFERENCE_PAIR && kind != DatasetKind.BINARY_FEEDBACK) {
            throw new IllegalArgumentException("TRL rows are preference pairs or binary feedback, not " + kind);
        }
        this.kind = kind;
        this.options = options;
    }

    /** Unpaired when the row has {@code completion} and {@code label}, paired otherwise. */
    public static DatasetKind detectKind(JsonNode firstRow) {
        return firstRow.has("completion") && firstRow.has("label") ? DatasetKind.BINARY_FEEDBACK : DatasetKind.PREFERENCE_PAIR;
    }

    @Override
    public DatasetKind kind() {
        return kind;
    }

    @Override
    public RowOutcome read(JsonNode row) {
        Fields fields = new Fields(row, options.maxChars());
        return new RowOutcome.Accepted(kind == DatasetKind.PREFERENCE_PAIR ? readPair(fields) : readFeedback(fields));
    }

    private org.alignspark.data.avro.PreferencePair readPair(Fields fields) {
        if (fields.has("completion") && !fields.has("chosen")) {
            throw new InvalidRowException("unpaired row (prompt/completion/label) in a paired dataset");
        }
        Double margin = fields.optionalNumber("margin");
        JsonNode chosen = conversation(fields, "chosen");
        JsonNode rejected = conversation(fields, "rejected");
        if (chosen.isTextual() != rejected.isTextual()) {
            throw new InvalidRowException("'chosen' and 'rejected' must both be strings or both be message lists");
        }
        if (chosen.isTextual()) {
            if (!fields.has("prompt")) {
                throw new InvalidRowException("missing field 'prompt' (standard TRL rows need one; transcripts go through --format hh-rlhf)");
            }
            return Records.pair(fields.turns("prompt"), fields.text("chosen"), fields.text("rejected"), margin, null, null, null, options);
        }
        List<Turn> chosenTurns = fields.messages("chosen", fields.array("chosen"));
        List<Turn> rejectedTurns = fields.messages("rejected", fields.array("rejected"));
        if (fields.has("prompt")) {
            List<Turn> prompt = fields.turns("prompt");
            return Records.pair(prompt, Conversations.singleAssistantTurn(chosenTurns, "chosen"),
                    Conversations.singleAssistantTurn(rejectedTurns, "rejected"), margin, null, null, null, options);
        }
        Conversations.Fork fork = Conversations.fork(chosenTurns, rejectedTurns, "chosen", "rejected");
        return Records.pair(fork.prompt(), fork.first(), fork.second(), margin, null, null, null, options);
    }

    private static JsonNode conversation(Fields fields, String name) {
        JsonNode value = fields.node(name);
        if (!value.isTextual() && !value.isArray()) {
            throw new InvalidRowException("field '" + name + "' must be a string or a list of messages, got " + Fields.typeOf(value));
        }
        return value;
    }

    private org.alignspark.data.avro.BinaryFeedback readFeedback(Fields fields) {
        if (fields.has("chosen") && !fields.has("completion")) {
            throw new InvalidRowException("paired row (prompt/chosen/rejected) in an unpaired dataset");
        }
        List<Turn> prompt = fields.turns("prompt");
        JsonNode completion = fields.node("completion");
        String text = completion.isTextual()
                ? fields.text("completion")
                : Conversations.singleAssistantTurn(fields.messages("completion", fields.array("completion")), "completion");
        return Records.feedback(new ArrayList<>(prompt), text, fields.bool("label"), options);
    }
}
