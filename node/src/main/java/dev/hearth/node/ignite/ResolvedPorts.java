package dev.hearth.node.ignite;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * The ports a node actually uses. Ignite needs its ports before it starts, so a configured 0 is turned into a free
 * port here; the Netty endpoints bind 0 themselves and report what they got.
 */
public record ResolvedPorts(int discovery, int communication, int thinClient) {
    /**
     * Every port 0 is resolved while the others' probe sockets are still bound, so two of them never get the same
     * number.
     */
    public static ResolvedPorts resolve(String bindAddress, int discovery, int communication, int thinClient) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            return new ResolvedPorts(orFree(bindAddress, discovery, held), orFree(bindAddress, communication, held),
                    orFree(bindAddress, thinClient, held));
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException e) {
                    // a probe socket that fails to close still frees its port when the JVM drops it
                }
            }
        }
    }

    private static int orFree(String bindAddress, int port, List<ServerSocket> held) {
        if (port != 0) {
            return port;
        }
        try {
            ServerSocket s = new ServerSocket();
            held.add(s);
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on " + bindAddress + ": " + e.getMessage(), e);
        }
    }
}
