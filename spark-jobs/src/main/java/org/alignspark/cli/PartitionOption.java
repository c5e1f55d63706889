package org.alignspark.cli;

import org.alignspark.warehouse.Warehouse;
import picocli.CommandLine.Option;

/** {@code --dt}: the night a job reads and writes; every table's partition is {@code dt=YYYY-MM-DD}. */
public final class PartitionOption {
    @Option(names = "--dt", required = true, paramLabel = "YYYY-MM-DD",
            description = "Partition (night) the job reads its input from and writes its output to.")
    private String dt;

    /** The date, checked: a job fails on a malformed one before it reads anything. */
    public String dt() {
        return Warehouse.checkDate(dt);
    }
}
