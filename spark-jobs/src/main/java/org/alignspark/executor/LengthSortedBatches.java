package org.alignspark.executor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.ToIntFunction;

import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Row;

/**
 * The loop every model-running closure shares: a partition's rows encoded once, sorted by length so that each padded
 * batch holds sequences of similar length (docs/design.md decision 3), one forward pass per batch of at most
 * {@code batchSize} items, and the batches' outputs concatenated.
 */
public final class LengthSortedBatches {
    private LengthSortedBatches() {}

    /** What one forward pass makes of a batch of encoded items. */
    @FunctionalInterface
    public interface Forward<T, O> {
        List<O> apply(List<T> batch) throws Exception;
    }

    /**
     * @param encode a row as the item the model reads (its tokens and whatever the output needs of the row)
     * @param length the item's length in tokens, the sort key
     */
    public static <T, O> Iterator<O> map(Iterator<Row> rows, Function<Row, T> encode, ToIntFunction<T> length, int batchSize,
                                         Forward<T, O> forward) throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        List<T> items = new ArrayList<>();
        while (rows.hasNext()) {
            items.add(encode.call(rows.next()));
        }
        items.sort(Comparator.comparingInt(length));
        List<O> out = new ArrayList<>(items.size());
        for (int start = 0; start < items.size(); start += batchSize) {
            out.addAll(forward.apply(items.subList(start, Math.min(start + batchSize, items.size()))));
        }
        return out.iterator();
    }
}
