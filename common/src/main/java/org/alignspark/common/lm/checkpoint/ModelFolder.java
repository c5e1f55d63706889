package org.alignspark.common.lm.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;

/**
 * A folder of model files (config.json, model.safetensors, tokenizer.json, …) on a local disk or on any
 * file system Hadoop reaches (hdfs://, s3a://). Files are named relative to the folder.
 */
public interface ModelFolder {
    /** Where the folder is, for messages. */
    String location();

    boolean exists(String file) throws IOException;

    InputStream open(String file) throws IOException;

    /** Creates (or replaces) a file, creating the folder when needed. */
    OutputStream create(String file) throws IOException;

    /** A new folder beside this one, for writing files that {@link #moveFrom} then publishes here at once. */
    ModelFolder staging() throws IOException;

    /** Renames {@code staged} (from {@link #staging()}) to this folder's location, which must not exist yet. */
    void moveFrom(ModelFolder staged) throws IOException;

    /** {@code location + "/" + file}, as messages name it. */
    default String describe(String file) {
        return location() + "/" + file;
    }

    /** A local folder for plain paths and file: URIs, Hadoop's FileSystem for any other scheme. */
    static ModelFolder of(String location) {
        URI uri = URI.create(location.replace(" ", "%20"));
        if (uri.getScheme() == null || uri.getScheme().equals("file") || uri.getScheme().length() == 1) {
            return new LocalFolder(uri.getScheme() == null || uri.getScheme().length() == 1
                    ? Path.of(location) : Path.of(uri));
        }
        return new HadoopFolder(location);
    }

    /** A folder read through Hadoop's FileSystem, whatever the scheme (file:// included). */
    static ModelFolder hadoop(String uri) {
        return new HadoopFolder(uri);
    }

    static ModelFolder local(Path path) {
        return new LocalFolder(path);
    }
}
