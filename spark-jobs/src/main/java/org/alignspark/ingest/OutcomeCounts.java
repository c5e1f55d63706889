package org.alignspark.ingest;

/** How many input lines became records, quarantine rows and ties; together they are every line read. */
public record OutcomeCounts(long accepted, long quarantined, long ties) {

    public long rowsIn() {
        return accepted + quarantined + ties;
    }
}
