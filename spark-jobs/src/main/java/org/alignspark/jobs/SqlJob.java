package org.alignspark.jobs;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.alignspark.cli.WarehouseOption;
import org.alignspark.warehouse.SqlStatements;
import org.alignspark.warehouse.Warehouse;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import static org.alignspark.cli.OptionChecks.require;

/**
 * {@code sql}: runs Spark SQL statements against the warehouse's tables and prints each result. Read-only unless
 * {@code --write}: every statement is checked, before the first runs, on Spark's plan of it
 * ({@link SqlStatements}), so an {@code INSERT INTO p SELECT * FROM p} cannot double a table by accident. With
 * {@code --write}, new tables go under the warehouse root (the session's default database is located there).
 */
@Command(name = "sql", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run Spark SQL against the registered tables (every table under the warehouse is registered first); "
                + "read-only unless --write.")
public final class SqlJob implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "STATEMENT", description = "SQL statements, run in order.")
    List<String> statements;

    @Mixin
    WarehouseOption warehouseOption;

    @Option(names = "--max-rows", defaultValue = "50", description = "Rows printed per result.")
    int maxRows;

    @Option(names = "--truncate", defaultValue = "60", description = "Characters printed per cell (0: no limit).")
    int truncate;

    @Option(names = "--write",
            description = "Allow statements that write (INSERT, CREATE, DROP, ALTER, ...); new tables go under the warehouse root.")
    boolean write;

    @Override
    public Integer call() {
        Warehouse warehouse = warehouseOption.open("alignspark sql");
        require(warehouse.exists(), "warehouse folder " + warehouse.root() + " does not exist: run from the folder that "
                + "holds it, or pass --warehouse <root> (the default is ./warehouse)");
        SparkSession spark = warehouse.spark();
        for (int i = 0; i < statements.size(); i++) {
            Optional<String> writer = SqlStatements.writer(spark, statements.get(i));
            require(write || writer.isEmpty(), "sql is read-only: statement " + (i + 1) + " writes (" + writer.orElse("")
                    + "); nothing was run; pass --write to run statements that write");
        }
        if (write) {
            spark.sql("ALTER DATABASE default SET LOCATION '" + warehouse.root() + "'");
        }
        warehouse.registerAll();
        for (String statement : statements) {
            Dataset<Row> result = spark.sql(statement);
            if (result.columns().length > 0) {
                System.out.println(result.showString(maxRows, truncate, false));
            }
        }
        return 0;
    }
}
