package dev.hearth.client.jcache;

import dev.hearth.testing.NodeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * The real node the JSR-107 TCK and this module's tests run against: one {@code bin/hearth-node} started when the
 * test run begins (before the TCK's first {@code Caching.getCachingProvider()}) and stopped when it ends. The
 * provider finds it through the {@value HearthCachingProvider#ADDRESSES} system property.
 */
public final class TckCluster implements LauncherSessionListener {
    private static NodeProcess node;

    @Override
    public synchronized void launcherSessionOpened(LauncherSession session) {
        if (node != null || !Boolean.getBoolean("hearth.jcache.cluster")) {
            return; // unit tests, or a run given hearth.addresses of its own
        }
        try {
            NodeProcess n = new NodeProcess("jcache0", Path.of("target/it-jcache"));
            n.member(n.discoveryAddress()).also("memory.heap=256m", "zones.default.memory=64m")
                    .startAndAwaitReady(Duration.ofSeconds(120));
            node = n;
            System.setProperty(HearthCachingProvider.ADDRESSES, n.thinClientAddress());
            // Every call of the TCK gets the same generous deadline: a 2-core machine running a node stalls.
            System.setProperty(HearthCachingProvider.TIMEOUT, "5s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void launcherSessionClosed(LauncherSession session) {
        if (node != null) {
            try {
                node.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            node = null;
        }
    }
}
