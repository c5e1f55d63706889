package org.alignspark.data.formats;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;

/**
 * UltraFeedback binarized (HuggingFaceH4 layout): {@code chosen} and {@code rejected} are full message lists (user
 * prompt, assistant response) with {@code score_chosen} and {@code score_rejected}. Equal scores are a tie.
 */
public final class UltraFeedbackBinarizedReader implements FormatReader {
    private final ReaderOptions options;

    public UltraFeedbackBinarizedReader(ReaderOptions options) {
        this.options = options;
    }

    @Override
    public DatasetKind kind() {
        return DatasetKind.PREFERENCE_PAIR;
    }

    @Override
    public RowOutcome read(JsonNode row) {
        Fields fields = new Fields(row, options.maxChars());
        Conversations.Fork fork = Conversations.fork(
                fields.messages("chosen", fields.array("chosen")),
                fields.messages("rejected", fields.array("rejected")),
                "chosen", "rejected");
        double scoreChosen = fields.number("score_chosen");
        double scoreRejected = fields.number("score_rejected");
        if (scoreChosen == scoreRejected) {
            return new RowOutcome.Tie("score_chosen equals score_rejected (" + scoreChosen + ")");
        }
        if (scoreChosen < scoreRejected) {
            throw new InvalidRowException("score_chosen " + scoreChosen + " is below score_rejected " + scoreRejected);
        }
        return new RowOutcome.Accepted(Records.pair(fork.prompt(), fork.first(), fork.second(), null, null,
                scoreChosen, scoreRejected, options));
    }
}
