package org.alignspark.cli;

import org.alignspark.warehouse.SparkSessions;
import org.alignspark.warehouse.Warehouse;
import picocli.CommandLine.Option;

/** The {@code --warehouse} option every job shares (a picocli mixin), and the session opened on it. */
public final class WarehouseOption {
    @Option(names = "--warehouse", defaultValue = "warehouse", description = "Warehouse root folder (any Hadoop path).")
    String root;

    /** The root as given (not yet qualified), for commands a job prints. */
    public String root() {
        return root;
    }

    /**
     * The job's SparkSession and the warehouse. Tables enter the catalog as the job writes them (and as
     * {@link Warehouse#partition} needs them): a job that reads partitions by path does not pay, at every start, a
     * catalog statement per table the root holds (about 0.2 s each, and the JIT compiling the planner they run through).
     */
    public Warehouse open(String appName) {
        return new Warehouse(SparkSessions.getOrCreate(appName, root), root);
    }

    /** {@link #open}, with every table under the root registered, for jobs that query tables by name (sql, report). */
    public Warehouse openCatalog(String appName) {
        Warehouse warehouse = open(appName);
        warehouse.registerAll();
        return warehouse;
    }
}
