package org.alignspark.ingest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ShardsTest {

    @Test
    void writesAboutRowsPerFileAndAtLeastOneFile() {
        assertEquals(1, Shards.fileCount(0, 100, 8));
        assertEquals(1, Shards.fileCount(100, 100, 8));
        assertEquals(3, Shards.fileCount(201, 100, 8));
    }

    @Test
    void roundsUpToWholeWavesOfTaskSlotsOnceThereAreAsManyFilesAsSlots() {
        assertEquals(8, Shards.fileCount(800, 100, 8));
        assertEquals(16, Shards.fileCount(900, 100, 8));
        assertEquals(10_000, Shards.fileCount(2_000_000, 100, 7));
    }

    @Test
    void quarantineTakesOneToAThousandFiles() {
        assertEquals(1, Shards.quarantineFileCount(0, 100));
        assertEquals(2, Shards.quarantineFileCount(101, 100));
        assertEquals(1_000, Shards.quarantineFileCount(1_000_000, 100));
    }
}
