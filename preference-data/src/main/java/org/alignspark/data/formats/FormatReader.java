package org.alignspark.data.formats;

import java.io.Serializable;

import com.fasterxml.jackson.databind.JsonNode;
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
        return rows.read(new Fields(row, options.maxChars()), options);
    }
}
