package org.alignspark.common.lm.checkpoint;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model folder on the local file system, through java.nio. */
final class LocalFolder implements ModelFolder {
    private final Path root;

    LocalFolder(Path root) {
        this.root = root;
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public boolean exists(String file) {
        return Files.isRegularFile(root.resolve(file));
    }

    @Override
    public InputStream open(String file) throws IOException {
        return new BufferedInputStream(Files.newInputStream(root.resolve(file)), 1 << 20);
    }

    @Override
    public OutputStream create(String file) throws IOException {
        Files.createDirectories(root);
        return new BufferedOutputStream(Files.newOutputStream(root.resolve(file)), 1 << 20);
    }
}
