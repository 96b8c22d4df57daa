package dev.hearth.cli.bench;

import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthClientBuilder;
import dev.hearth.client.TenantCache;
import java.time.Duration;
import java.util.List;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;

/** Drivers over one shared Java client, as an API server would hold one: hearth-client, or Ignite's thin client. */
final class ClientDrivers {
    private ClientDrivers() {
    }

    /** One blocking call per operation, on a client shared by every thread. */
    interface Op {
        void run(Workload w, int key);
    }

    static Driver perOperation(Op get, Op put, FailureCauses causes) {
        return perOperation(get, put, put, causes);
    }

    /**
     * @param load writes a key before the runs
     * @param causes where each failed operation's exception is counted
     */
    static Driver perOperation(Op get, Op put, Op load, FailureCauses causes) {
        return new Driver() {
            @Override
            public void load(Workload w, int from, int to) {
                for (int i = from; i < to; i++) {
                    load.run(w, i);
                }
            }

            @Override
            public int batch(Workload w, int[] keys, boolean[] gets, int n) {
                int failed = 0;
                for (int i = 0; i < n; i++) {
                    try {
                        (gets[i] ? get : put).run(w, keys[i]);
                    } catch (RuntimeException e) {
                        failed++;
                        causes.record(e);
                    }
                }
                return failed;
            }

            @Override
            public void close() {
                // the shared client is closed by its owner
            }
        };
    }

    /** The PEM files of a TLS run: the cluster CA, and the client certificate and key (both or neither). */
    record TlsFiles(java.nio.file.Path ca, java.nio.file.Path cert, java.nio.file.Path key) {
    }

    /** hearth-client, tenant "bench": what an API server embeds. */
    static final class Hearth implements AutoCloseable {
        private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(10);
        private final HearthClient client;

        /** @param tls the cluster CA and client certificate for nodes with tls.enabled, or null */
        Hearth(List<String> addresses, Duration timeout, TlsFiles tls) {
            HearthClientBuilder b = HearthClient.builder().addresses(addresses).timeout(timeout);
            if (tls != null) {
                if (tls.cert() == null) {
                    b.tls(tls.ca());
                } else {
                    b.tls(tls.ca(), tls.cert(), tls.key());
                }
            }
            client = b.build();
        }

        Driver driver(FailureCauses causes) {
            TenantCache<byte[]> cache = client.tenant("bench");
            // Loading is not measured: a generous deadline, so that a slow start (JIT, connections, a busy machine)
            // cannot open the circuit before the first run.
            TenantCache<byte[]> loading = cache.withTimeout(LOAD_TIMEOUT);
            return perOperation((w, k) -> cache.get(shortKey(w, k)), (w, k) -> cache.put(shortKey(w, k), w.value(k)),
                    (w, k) -> loading.put(shortKey(w, k), w.value(k)), causes);
        }

        private static String shortKey(Workload w, int k) {
            return w.key(k).substring("bench:".length());
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /** Ignite's thin client on the same cache and keys, with values of the same stored size: the baseline. */
    static final class Thin implements AutoCloseable {
        private final IgniteClient client;
        private final ClientCache<String, byte[]> cache;
        /** Replaces hearth-client's "bench:" when both run in one process: its zeroed headers would read as damage. */
        private final String prefix;

        Thin(List<String> addresses, Duration timeout) {
            this(addresses, timeout, "bench:", null);
        }

        /**
         * @param prefix 6 characters, so that stored keys keep the size of hearth-client's ("bench:")
         * @param tls a TLS context for nodes with tls.enabled, or null for plaintext
         */
        Thin(List<String> addresses, Duration timeout, String prefix, javax.net.ssl.SSLContext tls) {
            if (prefix.length() != "bench:".length()) {
                throw new IllegalArgumentException("key prefix must have 6 characters: " + prefix);
            }
            ClientConfiguration cfg = new ClientConfiguration().setAddresses(addresses.toArray(String[]::new))
                    .setPartitionAwarenessEnabled(true).setTimeout((int) timeout.toMillis());
            if (tls != null) {
                cfg.setSslMode(org.apache.ignite.client.SslMode.REQUIRED).setSslContextFactory(() -> tls);
            }
            client = Ignition.startClient(cfg);
            cache = client.cache("hearth-zone-default");
            this.prefix = prefix;
        }

        Driver driver(FailureCauses causes) {
            return perOperation((w, k) -> cache.get(key(w, k)), (w, k) -> cache.put(key(w, k), stored(w, k)),
                    causes);
        }

        private String key(Workload w, int k) {
            return prefix + w.key(k).substring("bench:".length());
        }

        /** The same size as hearth-client's envelope (26-byte header + value). */
        private static byte[] stored(Workload w, int k) {
            byte[] v = w.value(k);
            byte[] out = new byte[v.length + 26];
            System.arraycopy(v, 0, out, 26, v.length);
            return out;
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
