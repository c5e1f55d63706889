package org.alignspark.cli;

import org.alignspark.warehouse.WriteGuard;
import picocli.CommandLine.Option;

/** {@code --allow-empty} and {@code --max-quarantine-fraction}: what a run may do to the partition it replaces. */
public final class WriteGuardOption {
    @Option(names = "--allow-empty",
            description = "Write the output partition even when the run has no rows for it (by default such a run fails "
                    + "and the previous partition is kept).")
    private boolean allowEmpty;

    @Option(names = "--max-quarantine-fraction", defaultValue = "0.5", paramLabel = "FRACTION",
            description = "Fail, writing nothing, when more than this share of the input rows is quarantined.")
    private double maxQuarantineFraction;

    public WriteGuard guard() {
        return new WriteGuard(allowEmpty, maxQuarantineFraction);
    }
}
