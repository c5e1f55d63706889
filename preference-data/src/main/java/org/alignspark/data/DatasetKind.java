package org.alignspark.data;

import org.alignspark.data.avro.BinaryFeedback;
import org.alignspark.data.avro.Dialogue;
import org.alignspark.data.avro.PreferencePair;
import org.alignspark.data.avro.RankedResponses;
import org.alignspark.data.avro.RatedResponse;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.apache.avro.Schema;

/** The record types a dataset table can hold, each with its Avro schema and the field that identifies a record. */
public enum DatasetKind {
    PREFERENCE_PAIR(PreferencePair.getClassSchema(), "pair_id"),
    BINARY_FEEDBACK(BinaryFeedback.getClassSchema(), "example_id"),
    RANKED_RESPONSES(RankedResponses.getClassSchema(), "list_id"),
    SELF_CORRECTION_TRACE(SelfCorrectionTrace.getClassSchema(), "trace_id"),
    RATED_RESPONSE(RatedResponse.getClassSchema(), "rating_id"),
    DIALOGUE(Dialogue.getClassSchema(), "dialogue_id");

    private final Schema schema;
    private final String idField;

    DatasetKind(Schema schema, String idField) {
        this.schema = schema;
        this.idField = idField;
    }

    public Schema schema() {
        return schema;
    }

    /** Content-hash id: two records with the same id are exact duplicates. */
    public String idField() {
        return idField;
    }
}
