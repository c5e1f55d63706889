package org.alignspark.data.formats;

/**
 * UltraFeedback binarized (HuggingFaceH4 layout): {@code chosen} and {@code rejected} are full message lists (user
 * prompt, assistant response) with {@code score_chosen} and {@code score_rejected}. Equal scores are a tie.
 */
final class UltraFeedbackBinarizedReader {
    private UltraFeedbackBinarizedReader() {}

    static RowOutcome read(Fields fields, ReaderOptions options) {
        Conversations.Fork fork = Conversations.fork(fields.messages("chosen"), fields.messages("rejected"), "chosen", "rejected");
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
