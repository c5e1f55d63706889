package org.alignspark.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The report's folder: {@code index.html} with its charts as PNG files beside it, referenced by relative name (copy the
 * folder and it still reads), written through Hadoop's FileSystem (a local folder, HDFS or an object store).
 */
public final class ReportFolder {
    public static final String PAGE = "index.html";

    private ReportFolder() {
    }

    /** Writes the page and its charts into {@code folder} and returns the page's path. */
    public static Path write(Path folder, Configuration conf, HtmlPage page) {
        Path index = new Path(folder, PAGE);
        try {
            FileSystem fs = folder.getFileSystem(conf);
            fs.setWriteChecksum(false);   // no .crc files beside the page on a local disk
            fs.mkdirs(folder);
            for (Map.Entry<String, byte[]> chart : page.charts().entrySet()) {
                try (OutputStream out = fs.create(new Path(folder, chart.getKey()), true)) {
                    out.write(chart.getValue());
                }
            }
            try (OutputStream out = fs.create(index, true)) {
                out.write(page.render().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + folder, e);
        }
        return index;
    }
}
