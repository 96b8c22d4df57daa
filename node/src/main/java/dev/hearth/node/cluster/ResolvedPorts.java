package dev.hearth.node.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * The ports a node actually uses. Ignite needs its ports before it starts, so a configured 0 is turned into a free
 * port here; the Netty endpoints bind 0 themselves and report what they got.
 */
public record ResolvedPorts(int discovery, int communication, int thinClient) {
    public static ResolvedPorts resolve(String bindAddress, int discovery, int communication, int thinClient) {
        return new ResolvedPorts(orFree(bindAddress, discovery), orFree(bindAddress, communication),
                orFree(bindAddress, thinClient));
    }

    static int orFree(String bindAddress, int port) {
        if (port != 0) {
            return port;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on " + bindAddress + ": " + e.getMessage(), e);
        }
    }
}
