package org.alignspark.executor;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.tokenizer.Message;
import org.alignspark.data.avro.Turn;
import org.apache.spark.sql.Row;

/** Conversions between table rows and the model side's types. */
public final class ModelRows {
    private ModelRows() {}

    /** A {@code prompt} column (array of {role, content} structs) as chat messages. */
    public static List<Message> messages(Row row, String column) {
        List<Row> turns = row.getList(row.fieldIndex(column));
        List<Message> messages = new ArrayList<>(turns.size());
        for (Row turn : turns) {
            messages.add(new Message(turn.getString(0), turn.getString(1)));
        }
        return messages;
    }

    /** The same column as the Avro records' turns, for rows a job writes back. */
    public static List<Turn> turns(Row row, String column) {
        return turns(messages(row, column));
    }

    public static List<Turn> turns(List<Message> messages) {
        List<Turn> turns = new ArrayList<>(messages.size());
        messages.forEach(m -> turns.add(new Turn(m.role(), m.content())));
        return turns;
    }
}
