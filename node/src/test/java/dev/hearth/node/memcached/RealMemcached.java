package dev.hearth.node.memcached;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** A real memcached 1.6 process (Debian package "memcached") on a free loopback port. */
final class RealMemcached implements AutoCloseable {
    static final String BINARY = "/usr/bin/memcached";
    final Process process;
    final int port;

    private RealMemcached(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static RealMemcached start(String... extraArgs) throws IOException, InterruptedException {
        // Skipped, not failed, where it is missing: `mvn verify` on a fresh machine; .ci/run installs it.
        Assumptions.assumeTrue(new File(BINARY).canExecute(), BINARY + " is missing: the differential tests need "
                + "real memcached (Debian: apt-get install memcached; .ci/run installs it); skipped");
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = TestNodes.freePort();
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(BINARY, "-l", "127.0.0.1",
                    "-p", Integer.toString(port), "-U", "0"));
            cmd.addAll(java.util.List.of(extraArgs));
            if (isRoot()) {
                cmd.addAll(java.util.List.of("-u", "root"));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return new RealMemcached(p, port);
                } catch (IOException e) {
                    Thread.sleep(20);
                }
            }
            p.destroyForcibly();
        }
        throw new IllegalStateException("memcached did not start");
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
