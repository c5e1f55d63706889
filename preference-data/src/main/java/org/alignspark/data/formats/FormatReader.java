package org.alignspark.data.formats;

import java.io.Serializable;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.specific.SpecificRecord;
import org.alignspark.data.DatasetKind;

/**
 * Turns one JSON object of an input format into a record of one dataset kind.
 *
 * @param kind the dataset kind every accepted row becomes
 * @param rows the format's rules for one row
 * @param options the settings every reader shares
 */
public record FormatReader(DatasetKind kind, RowReader rows, ReaderOptions options) implements Serializable {

    /**
     * @return the record, or a tie; a row that breaks a rule throws {@link InvalidRowException} with the reason
     */
    public RowOutcome read(JsonNode row) {
        Fields fields = new Fields(row, options.maxChars());
        RowOutcome outcome = rows.read(fields, options);
        if (outcome instanceof RowOutcome.Accepted accepted && options.splitFrom() == SplitSource.COLUMN && fields.has("split")) {
            // The readers set the prompt-id hash's split; the dataset's own split replaces it.
            SpecificRecord record = accepted.record();
            record.put(record.getSchema().getField("split").pos(), SplitSource.warehouseSplit(fields.text("split")));
        }
        return outcome;
    }
}
