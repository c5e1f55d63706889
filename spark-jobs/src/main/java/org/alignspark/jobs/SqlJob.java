package org.alignspark.jobs;

import java.util.List;
import java.util.concurrent.Callable;

import org.alignspark.cli.WarehouseOption;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sql}: runs Spark SQL statements against the warehouse's tables and prints each result. */
@Command(name = "sql", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run Spark SQL against the registered tables (every table under the warehouse is registered first).")
public final class SqlJob implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "STATEMENT", description = "SQL statements, run in order.")
    List<String> statements;

    @Mixin
    WarehouseOption warehouseOption;

    @Option(names = "--max-rows", defaultValue = "50", description = "Rows printed per result.")
    int maxRows;

    @Option(names = "--truncate", defaultValue = "60", description = "Characters printed per cell (0: no limit).")
    int truncate;

    @Override
    public Integer call() {
        SparkSession spark = warehouseOption.openCatalog("alignspark sql").spark();
        for (String statement : statements) {
            Dataset<Row> result = spark.sql(statement);
            if (result.columns().length > 0) {
                System.out.println(result.showString(maxRows, truncate, false));
            }
        }
        return 0;
    }
}
