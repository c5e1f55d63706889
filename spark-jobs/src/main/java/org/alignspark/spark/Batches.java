package org.alignspark.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** A partition's rows in consecutive batches of at most {@code size}, for one model forward pass each. */
public final class Batches {
    private Batches() {}

    public static <T> Iterable<List<T>> of(Iterator<T> rows, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("batch size must be at least 1");
        }
        return () -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public List<T> next() {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException();
                }
                List<T> batch = new ArrayList<>(size);
                while (rows.hasNext() && batch.size() < size) {
                    batch.add(rows.next());
                }
                return batch;
            }
        };
    }
}
