package org.alignspark.data.formats;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.avro.Turn;

/**
 * Raw dialogues in TRL's conversational language-modeling format, {@code {"messages": [{role, content}, ...]}}, ending
 * with an assistant turn: the last assistant turn is the completion, every earlier turn its prompt.
 */
public final class DialogueReader implements FormatReader {
    private final ReaderOptions options;

    public DialogueReader(ReaderOptions options) {
        this.options = options;
    }

    @Override
    public DatasetKind kind() {
        return DatasetKind.DIALOGUE;
    }

    @Override
    public RowOutcome read(JsonNode row) {
        Fields fields = new Fields(row, options.maxChars());
        List<Turn> turns = fields.messages("messages", fields.array("messages"));
        Turn last = turns.get(turns.size() - 1);
        if (!Roles.ASSISTANT.equals(last.getRole())) {
            throw new InvalidRowException("the last message must be an assistant turn, got " + last.getRole());
        }
        return new RowOutcome.Accepted(Records.dialogue(List.copyOf(turns.subList(0, turns.size() - 1)), last.getContent(), options));
    }
}
