package dev.hearth.node.memcached;

import dev.hearth.node.HearthNode;
import dev.hearth.node.config.ConfigLoader;
import dev.hearth.node.config.HearthConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** In-JVM Hearth nodes on loopback with free ports, for tests. */
final class TestNodes implements AutoCloseable {
    final List<HearthNode> nodes = new ArrayList<>();

    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code count} nodes forming one cluster; {@code sets} are --set overrides for every node. */
    static TestNodes start(int count, String... sets) throws InterruptedException {
        TestNodes t = new TestNodes();
        String cluster = "mc-test-" + UUID.randomUUID().toString().substring(0, 8);
        int[] disco = new int[count];
        StringBuilder addresses = new StringBuilder();
        for (int i = 0; i < count; i++) {
            disco[i] = freePort();
            addresses.append(i == 0 ? "" : ",").append("127.0.0.1:").append(disco[i]);
        }
        try {
            for (int i = 0; i < count; i++) {
                List<String> all = new ArrayList<>(List.of(
                        "node.name=" + cluster + "-" + i,
                        "cluster.name=" + cluster,
                        "cluster.bindAddress=127.0.0.1",
                        "cluster.addresses=" + addresses,
                        "ports.discovery=" + disco[i],
                        "ports.communication=0",
                        "ports.thinClient=0",
                        "ports.memcached=0",
                        "ports.admin=0",
                        "memory.systemRegion=32m",
                        "zones.default.memory=64m",
                        "shutdown.timeout=20s"));
                all.addAll(Arrays.asList(sets));
                HearthConfig config = new ConfigLoader().load(null, Map.of(), all);
                t.nodes.add(HearthNode.start(config, null));
            }
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
