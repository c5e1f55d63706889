package org.alignspark.data.formats;

import java.io.Serializable;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;

/** Turns one JSON object of an input format into a record of one dataset kind. */
public interface FormatReader extends Serializable {

    DatasetKind kind();

    /**
     * @return the record, or a tie; a row that breaks a rule throws {@link InvalidRowException} with the reason
     */
    RowOutcome read(JsonNode row);
}
