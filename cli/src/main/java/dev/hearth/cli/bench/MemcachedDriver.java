package dev.hearth.cli.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** memcached text protocol over one socket: get/set, pipelined by writing a whole batch before reading. */
final class MemcachedDriver implements Driver {
    private final String server;
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    /** @param tls a TLS context for a node with tls.enabled, or null for plaintext */
    MemcachedDriver(String hostPort, javax.net.ssl.SSLContext tls) throws IOException {
        this.server = hostPort;
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        Socket plain = new Socket();
        plain.setTcpNoDelay(true);
        plain.connect(new InetSocketAddress(host, port), 5000);
        if (tls != null) {
            javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(plain, host, port,
                    true);
            s.startHandshake();
            socket = s;
        } else {
            socket = plain;
        }
        socket.setSoTimeout(30_000);
        out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    }

    @Override
    public void load(Workload w, int from, int to) throws IOException {
        for (int i = from; i < to; i += 100) {
            int end = Math.min(to, i + 100);
            for (int k = i; k < end; k++) {
                writeSet(w, k);
            }
            out.flush();
            for (int k = i; k < end; k++) {
                String line = readLine();
                if (!line.equals("STORED")) {
                    throw new IOException("set answered " + line);
                }
            }
        }
    }

    private void writeSet(Workload w, int k) throws IOException {
        byte[] v = w.value(k);
        out.write(("set " + w.key(k) + " 0 0 " + v.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(v);
        out.write('\r');
        out.write('\n');
    }

    @Override
    public int batch(Workload w, int[] keys, boolean[] gets, int n) throws IOException {
        try {
            return send(w, keys, gets, n);
        } catch (IOException e) {
            // Which server: the threads are spread over several.
            throw new IOException(server + ": " + e.getMessage(), e);
        }
    }

    private int send(Workload w, int[] keys, boolean[] gets, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            int k = keys[i];
            if (gets[i]) {
                out.write(("get " + w.key(k) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            } else {
                writeSet(w, k);
            }
        }
        out.flush();
        int failed = 0;
        for (int i = 0; i < n; i++) {
            if (gets[i]) {
                String line = readLine();
                while (line.startsWith("VALUE ")) {
                    int len = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
                    in.skipNBytes(len + 2L);
                    line = readLine();
                }
                if (!line.equals("END")) {
                    failed++;
                }
            } else if (!readLine().equals("STORED")) {
                failed++;
            }
        }
        return failed;
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(32);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("the server closed the connection");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
