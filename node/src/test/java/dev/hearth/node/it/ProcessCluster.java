package dev.hearth.node.it;

import dev.hearth.testing.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;

/** N real node processes forming one cluster on loopback. */
final class ProcessCluster implements AutoCloseable {
    final List<NodeProcess> nodes = new ArrayList<>();
    private final List<IgniteClient> clients = new ArrayList<>();

    ProcessCluster(String name, int size, Path dir, String... extra) {
        for (int i = 0; i < size; i++) {
            nodes.add(new NodeProcess(name + "-" + i, dir));
        }
        String addresses = nodes.stream().map(n -> n.discoveryAddress()).collect(Collectors.joining(","));
        nodes.forEach(n -> n.configure(name, addresses, extra));
    }

    ProcessCluster start() throws Exception {
        // The first node forms the cluster; the others join it. Starting them together also works, but joining one
        // at a time keeps a loaded 2-core machine from timing out the joins.
        try {
            for (NodeProcess n : nodes) {
                n.start();
                n.awaitReady(Duration.ofSeconds(60));
            }
        } catch (Exception | Error e) {
            // The caller's try-with-resources never got the cluster: the nodes already up would outlive the build.
            close();
            throw e;
        }
        return this;
    }

    NodeProcess node(int i) {
        return nodes.get(i);
    }

    /** A thin client over every node, with a bounded timeout (Ignite's default is to wait forever). */
    IgniteClient client() {
        return client(Duration.ofSeconds(5));
    }

    /** A thin client over every node whose requests give up after {@code timeout}. */
    IgniteClient client(Duration timeout) {
        IgniteClient c = Ignition.startClient(new ClientConfiguration()
                .setAddresses(nodes.stream().map(NodeProcess::thinClientAddress).toArray(String[]::new))
                .setPartitionAwarenessEnabled(true)
                .setTimeout((int) timeout.toMillis()));
        clients.add(c);
        return c;
    }

    static ClientCache<String, byte[]> zone(IgniteClient c) {
        return c.cache("hearth-zone-default");
    }

    @Override
    public void close() throws Exception {
        for (IgniteClient c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("closing a thin client of a stopping cluster: " + e);
            }
        }
        for (NodeProcess n : nodes) {
            n.close();
        }
    }
}
