package org.alignspark.data.formats;

import java.util.List;

import org.alignspark.data.avro.Turn;

/**
 * Raw dialogues in TRL's conversational language-modeling format, {@code {"messages": [{role, content}, ...]}}, ending
 * with an assistant turn: the last assistant turn is the completion, every earlier turn its prompt.
 */
final class DialogueReader {
    private DialogueReader() {}

    static RowOutcome read(Fields fields, ReaderOptions options) {
        List<Turn> turns = fields.messages("messages");
        Turn last = turns.get(turns.size() - 1);
        if (!Roles.ASSISTANT.equals(last.getRole())) {
            throw new InvalidRowException("the last message must be an assistant turn, got " + last.getRole());
        }
        return new RowOutcome.Accepted(Records.dialogue(List.copyOf(turns.subList(0, turns.size() - 1)), last.getContent(), options));
    }
}
