package org.alignspark.data.formats;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;

/**
 * Anthropic HH-RLHF: {@code chosen} and {@code rejected} are whole transcripts of "\n\nHuman:" / "\n\nAssistant:" turns
 * that share every turn but the final assistant response.
 */
public final class HhRlhfReader implements FormatReader {
    private final ReaderOptions options;

    public HhRlhfReader(ReaderOptions options) {
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
                Conversations.parseHumanAssistantTranscript(fields.text("chosen"), "chosen"),
                Conversations.parseHumanAssistantTranscript(fields.text("rejected"), "rejected"),
                "chosen", "rejected");
        return new RowOutcome.Accepted(Records.pair(fork.prompt(), fork.first(), fork.second(), null, null, null, null, options));
    }
}
