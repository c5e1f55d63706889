package org.alignspark.data.formats;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.avro.Turn;

/**
 * TRL's dataset formats. Paired: {@code prompt}/{@code chosen}/{@code rejected} (+ optional {@code margin}), standard
 * (strings) or conversational (message lists), with an explicit prompt or TRL's implicit prompt (full conversations in
 * chosen and rejected that share every turn but the last). Unpaired: {@code prompt}/{@code completion}/{@code label}.
 */
final class TrlReader {
    private TrlReader() {}

    /** Unpaired when the row has {@code completion} and {@code label}, paired otherwise. */
    static boolean isUnpaired(JsonNode firstRow) {
        return firstRow.has("completion") && firstRow.has("label");
    }

    static RowOutcome readPair(Fields fields, ReaderOptions options) {
        if (fields.has("completion") && !fields.has("chosen")) {
            throw new InvalidRowException("unpaired row (prompt/completion/label) in a paired dataset");
        }
        Double margin = fields.optionalNumber("margin");
        JsonNode chosen = fields.conversation("chosen");
        JsonNode rejected = fields.conversation("rejected");
        if (chosen.isTextual() != rejected.isTextual()) {
            throw new InvalidRowException("'chosen' and 'rejected' must both be strings or both be message lists");
        }
        if (chosen.isTextual()) {
            if (!fields.has("prompt")) {
                throw new InvalidRowException("missing field 'prompt' (standard TRL rows need one; transcripts go through --format hh-rlhf)");
            }
            return pair(fields.turns("prompt"), fields.text("chosen"), fields.text("rejected"), margin, options);
        }
        List<Turn> chosenTurns = fields.messages("chosen");
        List<Turn> rejectedTurns = fields.messages("rejected");
        if (fields.has("prompt")) {
            List<Turn> prompt = fields.turns("prompt");
            return pair(prompt, Conversations.singleAssistantTurn(chosenTurns, "chosen"),
                    Conversations.singleAssistantTurn(rejectedTurns, "rejected"), margin, options);
        }
        Conversations.Fork fork = Conversations.fork(chosenTurns, rejectedTurns, "chosen", "rejected");
        return pair(fork.prompt(), fork.first(), fork.second(), margin, options);
    }

    private static RowOutcome pair(List<Turn> prompt, String chosen, String rejected, Double margin, ReaderOptions options) {
        return new RowOutcome.Accepted(Records.pair(prompt, chosen, rejected, margin, null, null, null, options));
    }

    static RowOutcome readFeedback(Fields fields, ReaderOptions options) {
        if (fields.has("chosen") && !fields.has("completion")) {
            throw new InvalidRowException("paired row (prompt/chosen/rejected) in an unpaired dataset");
        }
        List<Turn> prompt = fields.turns("prompt");
        JsonNode completion = fields.node("completion");
        String text = completion.isTextual()
                ? fields.text("completion")
                : Conversations.singleAssistantTurn(fields.messages("completion"), "completion");
        return new RowOutcome.Accepted(Records.feedback(new ArrayList<>(prompt), text, fields.bool("label"), options));
    }
}
