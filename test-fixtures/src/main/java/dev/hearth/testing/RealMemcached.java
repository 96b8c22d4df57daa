package dev.hearth.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;

/** A real memcached 1.6 process (Debian package "memcached") on a free loopback port. */
public final class RealMemcached implements AutoCloseable {
    public static final String BINARY = "/usr/bin/memcached";
    public final Process process;
    public final int port;

    private RealMemcached(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts memcached with {@code extraArgs} and waits until it accepts connections; skips the test (JUnit
     * assumption) where the binary is missing.
     */
    public static RealMemcached start(String... extraArgs) throws IOException {
        // Skipped, not failed, where it is missing: `mvn verify` on a fresh machine; .ci/run installs it.
        Assumptions.assumeTrue(new File(BINARY).canExecute(), BINARY + " is missing: the differential tests need "
                + "real memcached (Debian: apt-get install memcached; .ci/run installs it); skipped");
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = FreePorts.one();
            List<String> cmd = new ArrayList<>(List.of(BINARY, "-l", "127.0.0.1", "-p", Integer.toString(port),
                    "-U", "0"));
            cmd.addAll(List.of(extraArgs));
            if (isRoot()) {
                cmd.addAll(List.of("-u", "root"));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                // Another process may take the port between the pick and memcached's bind: it then exits at once.
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                        .until(() -> !p.isAlive() || accepts(port));
            } catch (ConditionTimeoutException e) {
                p.destroyForcibly();
                continue;
            }
            if (p.isAlive()) {
                return new RealMemcached(p, port);
            }
        }
        throw new IllegalStateException("memcached did not start in 5 attempts");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
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
