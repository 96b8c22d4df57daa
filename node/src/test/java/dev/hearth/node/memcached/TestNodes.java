package dev.hearth.node.memcached;

import dev.hearth.node.HearthNode;
import dev.hearth.node.config.HearthConfig;
import dev.hearth.testing.FreePorts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** In-JVM Hearth nodes on loopback with free ports, for tests. */
final class TestNodes implements AutoCloseable {
    final List<HearthNode> nodes = new ArrayList<>();

    /** Starts {@code count} nodes forming one cluster; {@code sets} are --set overrides for every node. */
    static TestNodes start(int count, String... sets) throws InterruptedException {
        TestNodes t = new TestNodes();
        String cluster = "mc-test-" + UUID.randomUUID().toString().substring(0, 8);
        int[] disco = FreePorts.several(count);
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(cluster);
            for (int i = 0; i < count; i++) {
                List<String> extra = new ArrayList<>(List.of("shutdown.timeout=20s"));
                extra.addAll(Arrays.asList(sets));
                HearthConfig config = dev.hearth.node.TestNodes.config(cluster, i, disco, dir,
                        extra.toArray(String[]::new));
                t.nodes.add(HearthNode.start(config, null));
            }
        } catch (java.io.IOException e) {
            t.close();
            throw new java.io.UncheckedIOException(e);
        } catch (RuntimeException | InterruptedException e) {
            t.close();
            throw e;
        }
        return t;
    }

    HearthNode node(int i) {
        return nodes.get(i);
    }

    int memcachedPort(int i) {
        return nodes.get(i).ports().get("memcached");
    }

    @Override
    public void close() {
        List<HearthNode> reversed = new ArrayList<>(nodes);
        java.util.Collections.reverse(reversed);
        for (HearthNode n : reversed) {
            try {
                n.close();
            } catch (RuntimeException e) {
                // keep stopping the others
            }
        }
        nodes.clear();
    }
}
