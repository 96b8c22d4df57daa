package dev.hearth.cli.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.client.CasResult;
import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.HearthException;
import dev.hearth.client.TenantCache;
import dev.hearth.client.Versioned;
import dev.hearth.testing.RealMemcached;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One set of conditional-write and expiry cases, run against both ways into a zone cache: the node's own path (its
 * memcached port: {@code CacheService}, the storage contract's {@code Mutation} applied on the key's primary) and
 * hearth-client's (the thin client), on one real node, and against real memcached 1.6 for the reference: all three
 * must answer each case as the expected transcript says. Each case writes its own key on each path; a last check
 * crosses the paths (what one writes, the other reads with the same version).
 */
@Timeout(300)
class ConditionalWriteConformanceIT {
    private static final String TENANT = "conf";
    @TempDir
    Path dir;

    /** The operations the cases use, in memcached's vocabulary; {@code key} is within tenant {@value #TENANT}. */
    interface WritePath {
        void set(String key, String value, int ttlSeconds);

        /** The value, or null when absent. */
        String get(String key);

        /** The version ({@code gets}' cas unique), or -1 when absent. */
        long version(String key);

        boolean add(String key, String value);

        boolean replace(String key, String value);

        /** STORED, EXISTS or NOT_FOUND. */
        String cas(String key, String value, long version);

        boolean delete(String key);

        /** STORED (deleted), EXISTS or NOT_FOUND. */
        String deleteIf(String key, long version);

        /** The new value as an unsigned decimal, NOT_FOUND, or NON_NUMERIC. */
        String incr(String key, long delta, boolean decrement);

        boolean append(String key, String value, boolean prepend);

        boolean touch(String key, int ttlSeconds);
    }

    /** The cases: each returns the answers it got, in order, and the test compares them with the expected ones. */
    private static Map<String, Function<WritePath, List<Object>>> cases() {
        Map<String, Function<WritePath, List<Object>>> c = new LinkedHashMap<>();
        c.put("add stores only where absent", p -> List.of(p.add("a", "1"), p.add("a", "2"), p.get("a")));
        c.put("replace stores only where present",
                p -> List.of(p.replace("r", "1"), p.get("r") == null, step(() -> p.set("r", "0", 0)),
                        p.replace("r", "2"), p.get("r")));
        c.put("cas stores only over the version read", p -> {
            p.set("c", "1", 0);
            long v = p.version("c");
            String first = p.cas("c", "2", v);
            String stale = p.cas("c", "3", v);
            return List.of(first, stale, p.get("c"), p.cas("c-absent", "1", v), p.version("c") != v);
        });
        c.put("delete with a version removes only that version", p -> {
            p.set("d", "1", 0);
            long v = p.version("d");
            String stale = p.deleteIf("d", v + 1);
            String kept = p.get("d");
            return List.of(stale, kept, p.deleteIf("d", v), p.get("d") == null, p.deleteIf("d", v), p.delete("d"));
        });
        c.put("incr and decr follow memcached's unsigned 64-bit rules", p -> {
            p.set("n", "5", 0);
            String up = p.incr("n", 3, false);
            String down = p.incr("n", 100, true);
            p.set("n", "18446744073709551615", 0);
            String wrapped = p.incr("n", 2, false);
            p.set("n", "abc", 0);
            return List.of(up, down, wrapped, p.incr("n", 1, false), p.get("n"), p.incr("n-absent", 1, false));
        });
        c.put("append and prepend need a value", p -> {
            boolean absent = p.append("ap", "x", false);
            p.set("ap", "mid", 0);
            return List.of(absent, p.append("ap", ">", false), p.append("ap", "<", true), p.get("ap"));
        });
        c.put("touch keeps value and version and sets the expiry", p -> {
            boolean absent = p.touch("t", 100);
            p.set("t", "v", 0);
            long v = p.version("t");
            boolean touched = p.touch("t", 1);
            boolean sameVersion = p.version("t") == v;
            String before = p.get("t");
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> p.get("t") == null);
            return List.of(absent, touched, sameVersion, before, "expired");
        });
        c.put("an expired value is absent to every conditional write", p -> {
            p.set("x", "1", 1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> p.get("x") == null);
            return List.of(p.replace("x", "2"), p.append("x", "y", false), p.incr("x", 1, false), p.touch("x", 10),
                    p.add("x", "3"), p.get("x"));
        });
        return c;
    }

    private static final Map<String, List<Object>> EXPECTED = Map.of(
            "add stores only where absent", List.of(true, false, "1"),
            "replace stores only where present", List.of(false, true, true, true, "2"),
            "cas stores only over the version read", List.of("STORED", "EXISTS", "2", "NOT_FOUND", true),
            "delete with a version removes only that version",
            List.of("EXISTS", "1", "STORED", true, "NOT_FOUND", false),
            "incr and decr follow memcached's unsigned 64-bit rules",
            List.of("8", "0", "1", "NON_NUMERIC", "abc", "NOT_FOUND"),
            "append and prepend need a value", List.of(false, true, true, "<mid>"),
            "touch keeps value and version and sets the expiry", List.of(false, true, true, "v", "expired"),
            "an expired value is absent to every conditional write",
            List.of(false, false, "NOT_FOUND", false, true, "3"));

    private static boolean step(Runnable r) {
        r.run();
        return true;
    }

    @Test
    void theNodeAndTheClientAnswerEveryCaseAlike() throws Exception {
        try (LocalClusterProcess cluster = new LocalClusterProcess(1, dir).start();
                HearthClient client = HearthClient.builder().addresses(List.of("127.0.0.1:" + cluster.thinClientPort(0)))
                        .timeout(Duration.ofSeconds(5)).build();
                Memcached mc = new Memcached(cluster.memcachedPort(0));
                RealMemcached real = RealMemcached.start();
                Memcached reference = new Memcached(real.port)) {
            WritePath node = mc;
            WritePath thin = new ClientPath(client.tenant(TENANT, Codec.utf8()));
            List<String> differences = new ArrayList<>();
            for (Map.Entry<String, Function<WritePath, List<Object>>> e : cases().entrySet()) {
                List<Object> viaMemcached = e.getValue().apply(reference);
                List<Object> viaNode = e.getValue().apply(prefixed(node, "node-"));
                List<Object> viaClient = e.getValue().apply(prefixed(thin, "client-"));
                List<Object> expected = EXPECTED.get(e.getKey());
                if (!expected.equals(viaMemcached) || !expected.equals(viaNode) || !expected.equals(viaClient)) {
                    differences.add(e.getKey() + ": expected " + expected + ", memcached " + viaMemcached + ", node "
                            + viaNode + ", client " + viaClient);
                }
            }
            assertEquals(List.of(), differences, "cases where an answer was not the expected one");

            // Across the paths: one storage contract, so one value and one version whichever path wrote it.
            mc.set("cross-mc", "from memcached", 0);
            assertEquals("from memcached", thin.get("cross-mc"));
            assertEquals(mc.version("cross-mc"), thin.version("cross-mc"));
            thin.set("cross-client", "from the client", 0);
            assertEquals("from the client", mc.get("cross-client"));
            assertEquals(thin.version("cross-client"), mc.version("cross-client"));
            assertEquals("STORED", mc.cas("cross-client", "cas over the client's version", thin.version("cross-client")));
            assertEquals("cas over the client's version", thin.get("cross-client"));
        }
    }

    /** The same path with every key under a prefix, so that the two paths' cases never share a key. */
    private static WritePath prefixed(WritePath p, String prefix) {
        return new WritePath() {
            @Override
            public void set(String key, String value, int ttlSeconds) {
                p.set(prefix + key, value, ttlSeconds);
            }

            @Override
            public String get(String key) {
                return p.get(prefix + key);
            }

            @Override
            public long version(String key) {
                return p.version(prefix + key);
            }

            @Override
            public boolean add(String key, String value) {
                return p.add(prefix + key, value);
            }

            @Override
            public boolean replace(String key, String value) {
                return p.replace(prefix + key, value);
            }

            @Override
            public String cas(String key, String value, long version) {
                return p.cas(prefix + key, value, version);
            }

            @Override
            public boolean delete(String key) {
                return p.delete(prefix + key);
            }

            @Override
            public String deleteIf(String key, long version) {
                return p.deleteIf(prefix + key, version);
            }

            @Override
            public String incr(String key, long delta, boolean decrement) {
                return p.incr(prefix + key, delta, decrement);
            }

            @Override
            public boolean append(String key, String value, boolean prepend) {
                return p.append(prefix + key, value, prepend);
            }

            @Override
            public boolean touch(String key, int ttlSeconds) {
                return p.touch(prefix + key, ttlSeconds);
            }
        };
    }

    /** hearth-client's path. */
    private record ClientPath(TenantCache<String> cache) implements WritePath {
        /** memcached's 0 is "never expires", hearth-client's is {@link Duration#ZERO}. */
        private static Duration ttl(int seconds) {
            return Duration.ofSeconds(seconds);
        }

        @Override
        public void set(String key, String value, int ttlSeconds) {
            cache.put(key, value, ttl(ttlSeconds));
        }

        @Override
        public String get(String key) {
            return cache.get(key);
        }

        @Override
        public long version(String key) {
            Versioned<String> v = cache.gets(key);
            return v == null ? -1 : v.version();
        }

        @Override
        public boolean add(String key, String value) {
            return cache.putIfAbsent(key, value, Duration.ZERO);
        }

        @Override
        public boolean replace(String key, String value) {
            return cache.replace(key, value, Duration.ZERO);
        }

        @Override
        public String cas(String key, String value, long version) {
            return cache.cas(key, value, version, Duration.ZERO).name();
        }

        @Override
        public boolean delete(String key) {
            return cache.delete(key);
        }

        @Override
        public String deleteIf(String key, long version) {
            CasResult r = cache.delete(key, version);
            return r.name();
        }

        @Override
        public String incr(String key, long delta, boolean decrement) {
            try {
                OptionalLong r = decrement ? cache.decr(key, delta) : cache.incr(key, delta);
                return r.isPresent() ? Long.toUnsignedString(r.getAsLong()) : "NOT_FOUND";
            } catch (HearthException e) {
                if (e.getMessage() != null && e.getMessage().contains("not a decimal number")) {
                    return "NON_NUMERIC";
                }
                throw e;
            }
        }

        @Override
        public boolean append(String key, String value, boolean prepend) {
            return prepend ? cache.prepend(key, value) : cache.append(key, value);
        }

        @Override
        public boolean touch(String key, int ttlSeconds) {
            return cache.touch(key, ttl(ttlSeconds));
        }
    }

    /**
     * memcached's text and meta protocol on a port, keys prefixed with the tenant: the node's path on its memcached
     * port, and the reference answers on real memcached's.
     */
    private static final class Memcached implements WritePath, AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final BufferedReader in;

        Memcached(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        private String k(String key) {
            return TENANT + ":" + key;
        }

        private String call(String command, String data) {
            try {
                out.write((command + "\r\n" + (data == null ? "" : data + "\r\n")).getBytes(StandardCharsets.UTF_8));
                out.flush();
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String line() {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String store(String verb, String key, String value, int ttl, String extra) {
            return call(verb + " " + k(key) + " 0 " + ttl + " " + value.getBytes(StandardCharsets.UTF_8).length
                    + (extra == null ? "" : " " + extra), value);
        }

        @Override
        public void set(String key, String value, int ttlSeconds) {
            assertEquals("STORED", store("set", key, value, ttlSeconds, null));
        }

        /** {@code [value, cas]} or null. */
        private String[] gets(String key) {
            String header = call("gets " + k(key), null);
            if (header.equals("END")) {
                return null;
            }
            String[] parts = header.split(" ");
            String value = line();
            assertEquals("END", line());
            return new String[] {value, parts[4]};
        }

        @Override
        public String get(String key) {
            String[] g = gets(key);
            return g == null ? null : g[0];
        }

        @Override
        public long version(String key) {
            String[] g = gets(key);
            return g == null ? -1 : Long.parseUnsignedLong(g[1]);
        }

        @Override
        public boolean add(String key, String value) {
            return store("add", key, value, 0, null).equals("STORED");
        }

        @Override
        public boolean replace(String key, String value) {
            return store("replace", key, value, 0, null).equals("STORED");
        }

        @Override
        public String cas(String key, String value, long version) {
            return store("cas", key, value, 0, Long.toUnsignedString(version));
        }

        @Override
        public boolean delete(String key) {
            return call("delete " + k(key), null).equals("DELETED");
        }

        @Override
        public String deleteIf(String key, long version) {
            String r = call("md " + k(key) + " C" + Long.toUnsignedString(version), null);
            return switch (r) {
                case "HD" -> "STORED";
                case "EX" -> "EXISTS";
                case "NF" -> "NOT_FOUND";
                default -> throw new AssertionError("md answered " + r);
            };
        }

        @Override
        public String incr(String key, long delta, boolean decrement) {
            String r = call((decrement ? "decr " : "incr ") + k(key) + " " + Long.toUnsignedString(delta), null);
            if (r.startsWith("CLIENT_ERROR cannot increment or decrement non-numeric value")) {
                return "NON_NUMERIC";
            }
            return r;
        }

        @Override
        public boolean append(String key, String value, boolean prepend) {
            return store(prepend ? "prepend" : "append", key, value, 0, null).equals("STORED");
        }

        @Override
        public boolean touch(String key, int ttlSeconds) {
            return call("touch " + k(key) + " " + ttlSeconds, null).equals("TOUCHED");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
