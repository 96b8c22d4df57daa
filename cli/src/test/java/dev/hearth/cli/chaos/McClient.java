package dev.hearth.cli.chaos;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately simple memcached text-protocol client over every node's memcached port, one socket per node, for
 * one thread at a time. What it does, so that its numbers can be read honestly:
 *
 * <ul>
 *   <li><b>Reads fail over.</b> A get goes to a preferred node; when that node has not answered within
 *       {@code failoverAfter} (or answered an error, or its connection failed), the connection is dropped (its late
 *       answer would otherwise be read as the next one's), the node is skipped for {@link #SUSPECT_NANOS} and the
 *       get goes to the next node. A get fails only when no node answers.</li>
 *   <li><b>Writes do not fail over once sent.</b> A set waits for its node up to {@code writeTimeout}; a set that
 *       got no answer may still be applied later by a node that wakes up, so resending it elsewhere could let the
 *       late copy overwrite a newer value. Its outcome is unknown and the caller must treat it so. A write skips a
 *       node that is suspect (timed out recently) or refuses connections, since nothing was sent there.</li>
 * </ul>
 */
final class McClient implements AutoCloseable {
    static final long SUSPECT_NANOS = 1_000_000_000L;

    private final List<InetSocketAddress> nodes;
    private final int failoverAfterMillis;
    private final int writeTimeoutMillis;
    private final Socket[] sockets;
    private final InputStream[] ins;
    private final OutputStream[] outs;
    private final long[] suspectUntil;

    McClient(List<InetSocketAddress> nodes, int failoverAfterMillis, int writeTimeoutMillis) {
        this.nodes = nodes;
        this.failoverAfterMillis = failoverAfterMillis;
        this.writeTimeoutMillis = writeTimeoutMillis;
        this.sockets = new Socket[nodes.size()];
        this.ins = new InputStream[nodes.size()];
        this.outs = new OutputStream[nodes.size()];
        this.suspectUntil = new long[nodes.size()];
    }

    /** A reply that is not the one expected (SERVER_ERROR, CLIENT_ERROR, ...). */
    static final class McError extends IOException {
        McError(String line) {
            super(line);
        }
    }

    /** A get's outcome: the value (null = miss) and the node that answered. */
    record Read(String value, int node) {
    }

    /** get with failover, starting at {@code preferred}; throws the last node's failure when none answers. */
    Read get(String key, int preferred) throws IOException {
        return firstAnswer(preferred, i -> {
            try {
                Map<String, String> m = request(i, "get " + key + "\r\n", failoverAfterMillis, List.of(key));
                return new Read(m.get(key), i);
            } catch (IOException e) {
                throw new TryNext(e);
            }
        });
    }

    /** One node's try: {@link TryNext} hands over to the next node, any other failure ends the call. */
    private interface Attempt<T> {
        T on(int node) throws IOException;
    }

    /** A node's failure after which the call may go to the next node (nothing reached this one). */
    private static final class TryNext extends IOException {
        TryNext(IOException cause) {
            super(cause);
        }
    }

    /**
     * Tries nodes in order from {@code preferred}: healthy ones first, suspect ones only when nothing else is left.
     * A node is judged suspect as each pass reaches it, so one that failed in the first pass is tried again last.
     */
    private <T> T firstAnswer(int preferred, Attempt<T> attempt) throws IOException {
        IOException last = null;
        int n = nodes.size();
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < n; k++) {
                int i = (preferred + k) % n;
                boolean suspect = System.nanoTime() < suspectUntil[i];
                if (suspect != (pass == 1)) {
                    continue;
                }
                try {
                    return attempt.on(i);
                } catch (TryNext e) {
                    last = (IOException) e.getCause();
                    fail(i);
                }
            }
        }
        throw last != null ? last : new IOException("no node");
    }

    /** Multi-get on one node, no failover (the verification after a heal asks every node on purpose). */
    Map<String, String> getMulti(int node, Collection<String> keys, int timeoutMillis) throws IOException {
        try {
            return request(node, "get " + String.join(" ", keys) + "\r\n", timeoutMillis, keys);
        } catch (IOException e) {
            fail(node);
            throw e;
        }
    }

    /**
     * set on the first usable node from {@code preferred}; returns the node that stored it. Throws
     * {@link SocketTimeoutException} when the node did not answer in time (outcome unknown) and {@link McError}
     * when it refused (SERVER_ERROR: not stored, or for a timeout inside the node, unknown).
     */
    int set(String key, String value, int preferred) throws IOException {
        byte[] data = value.getBytes(StandardCharsets.UTF_8);
        return firstAnswer(preferred, i -> {
            try {
                connect(i);
            } catch (IOException e) {
                throw new TryNext(e); // nothing sent: another node may take the write
            }
            try {
                sockets[i].setSoTimeout(writeTimeoutMillis);
                outs[i].write(("set " + key + " 0 0 " + data.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                outs[i].write(data);
                outs[i].write(CRLF);
                outs[i].flush();
                String line = readLine(ins[i]);
                if (line.equals("STORED")) {
                    return i;
                }
                throw new McError(line);
            } catch (McError e) {
                throw e;
            } catch (IOException e) {
                fail(i); // sent: the outcome is unknown, so the write is not tried elsewhere
                throw e;
            }
        });
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private Map<String, String> request(int i, String command, int timeoutMillis, Collection<String> keys)
            throws IOException {
        connect(i);
        sockets[i].setSoTimeout(timeoutMillis);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        outs[i].write(command.getBytes(StandardCharsets.US_ASCII));
        outs[i].flush();
        Map<String, String> values = new HashMap<>();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("no full answer within " + timeoutMillis + " ms");
            }
            // The whole answer, not each read, must come within the timeout.
            sockets[i].setSoTimeout((int) Math.max(1, left / 1_000_000L));
            String line = readLine(ins[i]);
            if (line.equals("END")) {
                return values;
            }
            if (!line.startsWith("VALUE ")) {
                throw new McError(line);
            }
            String[] parts = line.split(" ");
            int len = Integer.parseInt(parts[3]);
            byte[] data = ins[i].readNBytes(len + 2);
            if (data.length != len + 2) {
                throw new IOException("connection closed in a value");
            }
            values.put(parts[1], new String(data, 0, len, StandardCharsets.UTF_8));
        }
    }

    private void connect(int i) throws IOException {
        if (sockets[i] != null) {
            return;
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(nodes.get(i), Math.max(failoverAfterMillis, 100));
        } catch (IOException e) {
            s.close();
            throw e;
        }
        sockets[i] = s;
        ins[i] = new BufferedInputStream(s.getInputStream(), 65_536);
        outs[i] = new java.io.BufferedOutputStream(s.getOutputStream(), 16_384);
    }

    private void fail(int i) {
        suspectUntil[i] = System.nanoTime() + SUSPECT_NANOS;
        closeSocket(i);
    }

    private void closeSocket(int i) {
        if (sockets[i] != null) {
            try {
                sockets[i].close();
            } catch (IOException e) {
                // Dropping it is the point; a failed close leaves nothing to clean up on our side.
                System.err.println("memcached client: close: " + e);
            }
            sockets[i] = null;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c == '\n') {
                byte[] a = b.toByteArray();
                int len = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
                return new String(a, 0, len, StandardCharsets.US_ASCII);
            }
            b.write(c);
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < sockets.length; i++) {
            closeSocket(i);
        }
    }
}
