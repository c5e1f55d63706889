package org.alignspark.data.formats;

import org.apache.avro.specific.SpecificRecord;

/** What became of one input row: a record for the dataset, a quarantined row with its reason, or a tie. */
public sealed interface RowOutcome {

    record Accepted(SpecificRecord record) implements RowOutcome {}

    record Rejected(String reason) implements RowOutcome {}

    /** A comparison with no preferred side (e.g. HelpSteer2 strength 0): counted, never turned into a pair. */
    record Tie(String reason) implements RowOutcome {}
}
