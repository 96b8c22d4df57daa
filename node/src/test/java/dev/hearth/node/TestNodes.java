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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/** Configs for in-JVM test clusters: free loopback ports, nodes that find only each other. */
public final class TestNodes {
    private TestNodes() {
    }

    /** Ports this JVM has handed out: each test gets its own, even before its node binds them. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /** The messages of {@code e} and its causes, joined: what a test looks for a refusal's reason in. */
    public static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t.getMessage()).append(" / ");
        }
        return b.toString();
    }

    /**
     * A port free on 127.0.0.1 now, from 12000-21999: below Linux's ephemeral range (32768-60999), where the kernel
     * picks the local port of every outgoing connection. A port picked there (bind to 0) could be taken by one of
     * the cluster's own connections before the node binds it, and that node then fails to start (seen in CI, a
     * third node of a cluster started one at a time). Above the default ports (10800, 11211) and their local
     * cluster offsets, and below the ranges of the cli module's local clusters (from 22030).
     */
    public static int freePort() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = 12_000 + r.nextInt(10_000);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException inUse) {
                // taken by something else on this machine: try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in 12000-21999 after 1000 tries"));
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
