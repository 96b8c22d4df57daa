package dev.hearth.node;

import dev.hearth.node.config.ConfigLoader;
import dev.hearth.node.config.HearthConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Configs for in-JVM test clusters: free loopback ports, nodes that find only each other. */
public final class TestNodes {
    private TestNodes() {
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] freePorts(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = freePort();
        }
        return ports;
    }

    public static String addresses(int[] discoveryPorts) {
        return java.util.Arrays.stream(discoveryPorts).mapToObj(p -> "127.0.0.1:" + p)
                .collect(Collectors.joining(","));
    }

    /** Config of node {@code i} of a cluster whose nodes use {@code discoveryPorts}; extra sets win. */
    public static HearthConfig config(String cluster, int i, int[] discoveryPorts, Path dataDir, String... extra) {
        List<String> sets = new ArrayList<>(List.of(
                "node.name=" + cluster + "-" + i,
                "cluster.name=" + cluster,
                "cluster.addresses=" + addresses(discoveryPorts),
                "ports.discovery=" + discoveryPorts[i],
                "ports.communication=0",
                "ports.thinClient=0",
                "ports.memcached=0",
                "ports.admin=0",
                "node.dataDir=" + dataDir.resolve("n" + i),
                "zones.default.memory=64m",
                "memory.systemRegion=32m"));
        sets.addAll(List.of(extra));
        return new ConfigLoader().load(null, Map.of(), sets);
    }
}
