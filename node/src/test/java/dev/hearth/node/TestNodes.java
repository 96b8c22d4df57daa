package dev.hearth.node;

import dev.hearth.node.config.ConfigLoader;
import dev.hearth.node.config.HearthConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Configs for in-JVM test clusters: free loopback ports, nodes that find only each other. */
public final class TestNodes {
    private TestNodes() {
    }

    /** The messages of {@code e} and its causes, joined: what a test looks for a refusal's reason in. */
    public static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t.getMessage()).append(" / ");
        }
        return b.toString();
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
