package dev.hearth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports free on 127.0.0.1 for a test's nodes, from 12000-21999: below Linux's ephemeral range (32768-60999), where the
 * kernel picks the local port of every outgoing connection. A port picked there (bind to 0) could be taken by one of
 * the cluster's own connections before the node binds it, and that node then fails to start (seen in CI, a third node
 * of a cluster started one at a time). Above the default ports (10800, 11211) and their local-cluster offsets, and
 * below the ports of the cli tests' {@code hearthctl local} clusters (22030 and up).
 */
public final class FreePorts {
    /** Ports this JVM has handed out: each test gets its own, even before its node binds them. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** One port, free now and never handed out before in this JVM. */
    public static int one() {
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

    /** {@code n} distinct ports, each as {@link #one}. */
    public static int[] several(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = one();
        }
        return ports;
    }
}
