package org.alignspark.common.lm.checkpoint;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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

    @Override
    public ModelFolder staging() throws IOException {
        Path staged = root.resolveSibling(root.getFileName() + ".tmp-" + System.nanoTime());
        Files.createDirectories(staged);
        return new LocalFolder(staged);
    }

    @Override
    public void moveFrom(ModelFolder staged) throws IOException {
        if (Files.exists(root)) {
            throw new FileAlreadyExistsException(root.toString());
        }
        Files.move(((LocalFolder) staged).root, root, StandardCopyOption.ATOMIC_MOVE);
    }
}
