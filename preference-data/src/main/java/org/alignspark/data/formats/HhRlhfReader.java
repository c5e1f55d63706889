package org.alignspark.data.formats;

/**
 * Anthropic HH-RLHF: {@code chosen} and {@code rejected} are whole transcripts of "\n\nHuman:" / "\n\nAssistant:" turns
 * that share every turn but the final assistant response.
 */
final class HhRlhfReader {
    private HhRlhfReader() {}

    static RowOutcome read(Fields fields, ReaderOptions options) {
        Conversations.Fork fork = Conversations.fork(
                Conversations.parseHumanAssistantTranscript(fields.text("chosen"), "chosen"),
                Conversations.parseHumanAssistantTranscript(fields.text("rejected"), "rejected"),
                "chosen", "rejected");
        return new RowOutcome.Accepted(Records.pair(fork.prompt(), fork.first(), fork.second(), null, null, null, null, options));
    }
}
