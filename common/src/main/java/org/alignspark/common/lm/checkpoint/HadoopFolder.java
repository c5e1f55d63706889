package org.alignspark.common.lm.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/** A model folder on any Hadoop file system (hdfs://, s3a://, file://), configured from the classpath. */
final class HadoopFolder implements ModelFolder {
    private final org.apache.hadoop.fs.Path root;
    private final FileSystem fs;

    HadoopFolder(String location) {
        this.root = new org.apache.hadoop.fs.Path(location);
        try {
            this.fs = root.getFileSystem(new Configuration());
        } catch (IOException e) {
            throw new CheckpointException("cannot open file system of " + location + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public boolean exists(String file) throws IOException {
        return fs.isFile(new org.apache.hadoop.fs.Path(root, file));
    }

    @Override
    public InputStream open(String file) throws IOException {
        return fs.open(new org.apache.hadoop.fs.Path(root, file), 1 << 20);
    }

    @Override
    public OutputStream create(String file) throws IOException {
        return fs.create(new org.apache.hadoop.fs.Path(root, file), true);
    }

    @Override
    public ModelFolder staging() throws IOException {
        org.apache.hadoop.fs.Path staged = new org.apache.hadoop.fs.Path(root.getParent(),
                root.getName() + ".tmp-" + System.nanoTime());
        fs.mkdirs(staged);
        return new HadoopFolder(staged.toString());
    }

    @Override
    public void moveFrom(ModelFolder staged) throws IOException {
        if (fs.exists(root)) {
            throw new IOException(root + " already exists");
        }
        if (!fs.rename(((HadoopFolder) staged).root, root)) {
            throw new IOException("cannot rename " + staged.location() + " to " + root);
        }
    }
}
