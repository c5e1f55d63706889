package org.alignspark.cli;

import org.alignspark.warehouse.Warehouse;
import picocli.CommandLine.Option;

/** {@code --output}: the table a job writes (partition {@code --dt}); its name is checked before any work starts. */
public final class OutputTableOption {
    @Option(names = "--output", required = true, paramLabel = "TABLE", description = "Output table.")
    private String table;

    /** The table, checked: not one the warehouse keeps itself ({@link Warehouse#checkOutputName}). */
    public String table() {
        return Warehouse.checkOutputName(table);
    }

    /** A table the job writes beside the output: {@code <output>_<suffix>}. */
    public String beside(String suffix) {
        return Warehouse.checkTableName(table + "_" + suffix);
    }
}
