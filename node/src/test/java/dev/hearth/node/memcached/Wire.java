package dev.hearth.node.memcached;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A raw socket to a memcached-protocol server, for byte-exact tests. */
final class Wire implements AutoCloseable {
    static final String CLOSED = "<connection closed>";
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    boolean closed;

    Wire(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    void send(String s) throws IOException {
        send(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads until what was read ends with {@code suffix} (which is removed), or the peer closes. */
    byte[] readUntilSuffix(byte[] suffix) throws IOException {
        byte[] buf = new byte[65536];
        while (true) {
            byte[] have = pending.toByteArray();
            if (have.length >= suffix.length
                    && Arrays.equals(have, have.length - suffix.length, have.length, suffix, 0, suffix.length)) {
                pending.reset();
                return Arrays.copyOf(have, have.length - suffix.length);
            }
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                throw new IOException("timed out waiting for a reply; got so far: "
                        + new String(have, StandardCharsets.ISO_8859_1), e);
            } catch (IOException e) {
                n = -1; // reset by peer counts as closed
            }
            if (n < 0) {
                closed = true;
                pending.reset();
                ByteArrayOutputStream r = new ByteArrayOutputStream();
                r.writeBytes(have);
                r.writeBytes(CLOSED.getBytes(StandardCharsets.US_ASCII));
                return r.toByteArray();
            }
            pending.write(buf, 0, n);
        }
    }

    /** Reads one line (without its CRLF), keeping what follows it for the next read; {@link #CLOSED} at the end. */
    String readLine() throws IOException {
        byte[] buf = new byte[65536];
        while (true) {
            byte[] have = pending.toByteArray();
            for (int i = 0; i + 1 < have.length; i++) {
                if (have[i] == '\r' && have[i + 1] == '\n') {
                    pending.reset();
                    pending.write(have, i + 2, have.length - i - 2);
                    return new String(have, 0, i, StandardCharsets.ISO_8859_1);
                }
            }
            int n;
            try {
                n = in.read(buf);
            } catch (IOException e) {
                n = -1;
            }
            if (n < 0) {
                closed = true;
                return CLOSED;
            }
            pending.write(buf, 0, n);
        }
    }

    /** Reads exactly n bytes (or until close). */
    byte[] readN(int n) throws IOException {
        byte[] buf = new byte[65536];
        while (pending.size() < n) {
            int r;
            try {
                r = in.read(buf);
            } catch (IOException e) {
                r = -1;
            }
            if (r < 0) {
                closed = true;
                break;
            }
            pending.write(buf, 0, r);
        }
        byte[] have = pending.toByteArray();
        pending.reset();
        if (have.length > n) {
            pending.write(have, n, have.length - n);
            return Arrays.copyOf(have, n);
        }
        return have;
    }

    /** True if the peer closes within the timeout (reading and discarding anything it sends first). */
    boolean closesWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        byte[] buf = new byte[4096];
        try {
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
