package org.alignspark.data.formats;

import java.io.Serializable;

/** One input format's rules for one row, given its fields and the settings every reader shares. */
@FunctionalInterface
interface RowReader extends Serializable {

    /**
     * @return the record, or a tie; a row that breaks a rule throws {@link InvalidRowException} with the reason
     */
    RowOutcome read(Fields fields, ReaderOptions options);
}
