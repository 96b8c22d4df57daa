package dev.hearth.cli.bench;

import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;

/** Drivers over one shared Java client, as an API server would hold one: hearth-client, or Ignite's thin client. */
final class ClientDrivers {
    private ClientDrivers() {
    }

    /** hearth-client, tenant "bench": what an API server embeds. */
    static final class Hearth implements AutoCloseable {
        private final HearthClient client;

        Hearth(List<String> addresses, Duration timeout) {
            client = HearthClient.builder().addresses(addresses).timeout(timeout).build();
        }

        Driver driver() {
            TenantCache<byte[]> cache = client.tenant("bench");
            return new Driver() {
                @Override
                public void load(Workload w, int from, int to) {
                    for (int i = from; i < to; i++) {
                        cache.put(w.key(i).substring("bench:".length()), w.value(i));
                    }
                }

                @Override
                public int batch(Workload w, SplittableRandom rnd, int n) {
                    int failed = 0;
                    for (int i = 0; i < n; i++) {
                        int k = rnd.nextInt(w.keys());
                        String key = w.key(k).substring("bench:".length());
                        try {
                            if (w.isGet(rnd)) {
                                cache.get(key);
                            } else {
                                cache.put(key, w.value(k));
                            }
                        } catch (RuntimeException e) {
                            failed++;
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

        @Override
        public void close() {
            client.close();
        }
    }

    /** Ignite's thin client on the same cache and keys, with values of the same stored size: the baseline. */
    static final class Thin implements AutoCloseable {
        private final IgniteClient client;
        private final ClientCache<String, byte[]> cache;

        Thin(List<String> addresses, Duration timeout) {
            client = Ignition.startClient(new ClientConfiguration().setAddresses(addresses.toArray(String[]::new))
                    .setPartitionAwarenessEnabled(true).setTimeout((int) timeout.toMillis()));
            cache = client.cache("hearth-zone-default");
        }

        Driver driver() {
            return new Driver() {
                private byte[] stored(Workload w, int k) {
                    // The same size as hearth-client's envelope (26-byte header + value).
                    byte[] v = w.value(k);
                    byte[] out = new byte[v.length + 26];
                    System.arraycopy(v, 0, out, 26, v.length);
                    return out;
                }

                @Override
                public void load(Workload w, int from, int to) {
                    for (int i = from; i < to; i++) {
                        cache.put(w.key(i), stored(w, i));
                    }
                }

                @Override
                public int batch(Workload w, SplittableRandom rnd, int n) {
                    int failed = 0;
                    for (int i = 0; i < n; i++) {
                        int k = rnd.nextInt(w.keys());
                        try {
                            if (w.isGet(rnd)) {
                                cache.get(w.key(k));
                            } else {
                                cache.put(w.key(k), stored(w, k));
                            }
                        } catch (RuntimeException e) {
                            failed++;
                        }
                    }
                    return failed;
                }

                @Override
                public void close() {
                    // shared
                }
            };
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
