package org.alignspark.data.formats;

import java.io.Serializable;

/**
 * Settings every reader shares.
 *
 * @param testFraction share of prompt ids assigned to the test split
 * @param maxChars longest text accepted in any one field; longer rows are quarantined
 * @param source value of the records' {@code source} column
 * @param splitFrom whether a row's own {@code split} field or the prompt-id hash decides its split
 */
public record ReaderOptions(double testFraction, int maxChars, String source, SplitSource splitFrom) implements Serializable {
    /** The default split source: a row's own split where it has one. */
    public ReaderOptions(double testFraction, int maxChars, String source) {
        this(testFraction, maxChars, source, SplitSource.COLUMN);
    }

    public ReaderOptions {
        if (splitFrom == null) {
            throw new IllegalArgumentException("split source is required");
        }
        if (!(testFraction >= 0 && testFraction <= 1)) {
            throw new IllegalArgumentException("test fraction must lie in [0, 1], got " + testFraction);
        }
        if (maxChars <= 0) {
            throw new IllegalArgumentException("max chars must be positive, got " + maxChars);
        }
    }
}
