package org.alignspark.warehouse;

import java.util.Optional;
import java.util.Set;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import org.apache.spark.sql.catalyst.plans.logical.V2WriteCommand;
import scala.collection.JavaConverters;

/**
 * Which SQL statements write, decided on the plan Spark's parser makes of them (not on their text): a query, or one
 * of the commands that only show or describe, reads; every other command and statement (INSERT, CREATE, DROP,
 * ALTER, TRUNCATE, MSCK, CACHE, LOAD, ...) may write or change the catalog.
 */
public final class SqlStatements {
    /** Commands that read: they list or describe what is there, or explain a plan without running it. */
    private static final Set<String> READING_COMMANDS = Set.of("ShowTables", "ShowTableExtended", "ShowViews",
            "ShowColumns", "ShowPartitions", "ShowCreateTable", "ShowTableProperties", "ShowFunctions", "ShowNamespaces",
            "ShowCatalogsCommand", "DescribeRelation", "DescribeColumn", "DescribeFunction", "DescribeNamespace",
            "ExplainCommand", "SetCommand", "SetCatalogAndNamespace");

    private SqlStatements() {}

    /** The name of the plan node by which {@code statement} would write, or empty where it only reads. */
    public static Optional<String> writer(SparkSession spark, String statement) {
        try {
            return writer(spark.sessionState().sqlParser().parsePlan(statement));
        } catch (org.apache.spark.sql.catalyst.parser.ParseException e) {
            throw new IllegalArgumentException("not valid Spark SQL: " + e.getMessage().lines().findFirst().orElse("")
                    + " in: " + statement);
        }
    }

    private static Optional<String> writer(LogicalPlan plan) {
        String name = plan.getClass().getSimpleName();
        if (READING_COMMANDS.contains(name)) {
            return Optional.empty();
        }
        if (plan instanceof Command || plan instanceof ParsedStatement || plan instanceof V2WriteCommand) {
            return Optional.of(name);
        }
        for (LogicalPlan child : JavaConverters.seqAsJavaList(plan.children())) {
            Optional<String> writer = writer(child);
            if (writer.isPresent()) {
                return writer;
            }
        }
        return Optional.empty();
    }
}
