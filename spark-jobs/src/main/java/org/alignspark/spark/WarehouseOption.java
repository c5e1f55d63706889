package org.alignspark.spark;

import picocli.CommandLine.Option;

/** The {@code --warehouse} option every job shares (a picocli mixin), and the session opened on it. */
public final class WarehouseOption {
    @Option(names = "--warehouse", defaultValue = "warehouse", description = "Warehouse root folder (any Hadoop path).")
    String root;

    /** The root as given (not yet qualified), for commands a job prints. */
    public String root() {
        return root;
    }

    /** The job's SparkSession and the warehouse, with every table under the root registered in the catalog. */
    public Warehouse open(String appName) {
        Warehouse warehouse = new Warehouse(SparkSessions.getOrCreate(appName), root);
        warehouse.registerAll();
        return warehouse;
    }
}
