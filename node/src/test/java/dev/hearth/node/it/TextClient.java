package dev.hearth.node.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One blocking memcached text-protocol connection to one node: the smallest client that shows what a node answers. */
final class TextClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    TextClient(int port, int readTimeoutMs) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(readTimeoutMs);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** The value, or null on a miss; an error line (SERVER_ERROR ...) is thrown as an IOException. */
    String get(String key) throws IOException {
        out.write(("get " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String line = line();
        if (line.equals("END")) {
            return null;
        }
        if (!line.startsWith("VALUE ")) {
            throw new IOException(line);
        }
        int len = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
        byte[] data = in.readNBytes(len + 2);
        String end = line();
        if (!end.equals("END")) {
            throw new IOException("expected END, got " + end);
        }
        return new String(data, 0, len, StandardCharsets.UTF_8);
    }

    /** The reply line to a set: STORED, or an error line. */
    String set(String key, String value) throws IOException {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        out.write(("set " + key + " 0 0 " + v.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(v);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return line();
    }

    /** The reply line to a storage command ({@code set}, {@code append}...) with an expiry: STORED, or an error. */
    String store(String verb, String key, int exptime, byte[] value) throws IOException {
        out.write((verb + " " + key + " 0 " + exptime + " " + value.length + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(value);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return line();
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] s = b.toByteArray();
                int n = s.length > 0 && s[s.length - 1] == '\r' ? s.length - 1 : s.length;
                return new String(s, 0, n, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        throw new IOException("connection closed");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
