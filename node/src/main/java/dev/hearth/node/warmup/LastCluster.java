package dev.hearth.node.warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The id of the cluster this node last served in, kept in {@code <dataDir>/last-cluster}. A cluster's id lives as
 * long as one of its nodes does, so a node that starts and finds the id it recorded is rejoining a cluster that went
 * on without it: what it held may have been changed or deleted since, and it must not load its copy or a dump over
 * the cluster's newer state. A node that finds another id (or none) is meeting this cluster for the first time.
 */
public final class LastCluster {
    private final Path file;

    public LastCluster(Path dataDir) {
        this.file = dataDir.resolve("last-cluster");
    }

    /**
     * @return the recorded id, or null if none was recorded
     * @throws java.io.UncheckedIOException if the file exists but cannot be read
     */
    public String read() {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? null : s;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Records {@code clusterId}, replacing the file whole so a crash leaves the old id or the new one. */
    public void write(String clusterId) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(tmp, clusterId + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + file, e);
        }
    }
}
