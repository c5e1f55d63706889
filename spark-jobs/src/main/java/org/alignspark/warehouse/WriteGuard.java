package org.alignspark.warehouse;

import java.util.Locale;

/**
 * What a run may do to the partition it replaces. A night that yields no rows, or mostly rejected ones, is far more
 * often a bad input (an empty file, the wrong {@code --format}) than a real empty night, so by default such a run
 * fails and the previous partition stays exactly as it was; {@code allowEmpty} writes an empty partition on purpose.
 */
public record WriteGuard(boolean allowEmpty, double maxQuarantineFraction) {

    /** The defaults: an empty output fails, and so does a run that quarantines more than half its rows. */
    public static final WriteGuard DEFAULT = new WriteGuard(false, 0.5);

    public WriteGuard {
        if (!(maxQuarantineFraction >= 0 && maxQuarantineFraction <= 1)) {
            throw new IllegalArgumentException("--max-quarantine-fraction must be in [0, 1], got " + maxQuarantineFraction);
        }
    }

    /** Fails, before anything is written, when more than the allowed share of {@code rowsIn} was quarantined. */
    public void checkQuarantine(String job, String table, String dt, long rowsIn, long rowsQuarantined) {
        if (rowsIn == 0) {
            return;
        }
        double fraction = (double) rowsQuarantined / rowsIn;
        if (fraction > maxQuarantineFraction) {
            throw new WriteRefused(String.format(Locale.ROOT,
                    "%s quarantined %d of %d rows (%.0f%% > --max-quarantine-fraction %s): is the input what the job "
                            + "reads (ingest: the right --format)? nothing was written, %s dt=%s is as it was (to write anyway: --max-quarantine-fraction 1, "
                            + "and --allow-empty if no row is left)",
                    job, rowsQuarantined, rowsIn, 100 * fraction, maxQuarantineFraction, table, dt));
        }
    }

    /** Fails when a run would leave its main table's partition with no rows. */
    public void checkNotEmpty(String job, String table, String dt) {
        if (!allowEmpty) {
            throw new WriteRefused(job + " has no rows to write to " + table + " dt=" + dt
                    + ": the partition is left as it was; pass --allow-empty to write an empty partition on purpose");
        }
    }

    /** A write the guard refused: the run fails and the table is untouched. */
    public static final class WriteRefused extends IllegalStateException {
        public WriteRefused(String message) {
            super(message);
        }
    }
}
