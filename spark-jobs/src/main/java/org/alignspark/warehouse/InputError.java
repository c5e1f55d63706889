package org.alignspark.warehouse;

/**
 * A bad input, named: the entry point reports its message alone, in one line, wherever Spark wrapped it (a task's
 * failure reaches the driver as a SparkException whose message holds the executor's stack trace).
 */
public final class InputError extends RuntimeException {
    public InputError(String message, Throwable cause) {
        super(message, cause);
    }
}
