package dev.hearth.cli.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.cli.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.apache.ignite.client.ClientCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Full-cluster restart: write, {@code dump create}, stop every node, start them empty, {@code warmup}: at least 99%
 * of the live entries come back with their values and TTLs; expired ones do not; entries written after the restart
 * are not overwritten.
 *
 * <p>Extended (-Pextended, 55 s): verify already restarts a whole cluster and counts what comes back
 * (LocalCopyKillIT: every node killed, every key back from the local copies), and dumps and warms up a cluster
 * (DumpAndWarmupClusterTest: values, TTLs, expired entries, newer writes kept).
 */
@Timeout(600)
@org.junit.jupiter.api.Tag("extended")
class WarmRestartIT {
    private static final String T = "default";
    private static final int ETERNAL = 12_000;
    private static final int WITH_TTL = 6_000;
    private static final int SHORT_TTL = 500;
    private static final int OVERWRITTEN = 300;

    @TempDir
    Path dir;

    private static byte[] value(String k) {
        return (k + ":" + "v".repeat(200)).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void dumpStopAllStartEmptyWarmUp() throws Exception {
        long ttlExpireAt = 0;
        // Without the local copies: this is the restart a dump answers (nodes that lost their disks), and the check
        // that the cluster starts empty would otherwise race their load.
        try (LocalClusterProcess cluster = new LocalClusterProcess(3, dir, "localCopy.enabled=false")) {
            cluster.start();
            ClientCache<String, byte[]> cache = cluster.client().cache("hearth-zone-default");
            Map<String, byte[]> batch = new HashMap<>();
            for (int i = 0; i < ETERNAL; i++) {
                String k = "e" + i;
                batch.put(T + ":" + k, TestEnvelope.encode(T, k, value(k), 1, 0));
            }
            cache.putAll(batch);
            long now = System.currentTimeMillis();
            ttlExpireAt = now + TimeUnit.MINUTES.toMillis(30);
            putWithTtl(cache, "t", WITH_TTL, ttlExpireAt, now);
            putWithTtl(cache, "s", SHORT_TTL, now + 4000, now);

            CliRun dump = CliRun.of("dump", "create", "--name", "before-restart", "--admin", cluster.admin());
            System.out.println(dump);
            assertEquals(0, dump.code(), dump.toString());
            CliRun verify = CliRun.of("dump", "verify", "before-restart", "--admin", cluster.admin());
            assertEquals(0, verify.code(), verify.toString());
            CliRun list = CliRun.of("dump", "list", "--admin", cluster.admin(), "--output", "json");
            assertEquals(0, list.code(), list.toString());
            assertTrue(list.out().contains("before-restart"), list.out());

            long down0 = System.nanoTime();
            cluster.down();
            // The short-TTL entries expire while the cluster is down.
            await().atMost(java.time.Duration.ofSeconds(30)).until(() -> System.currentTimeMillis() - now >= 4500);
            cluster.start();
            System.out.printf("full restart: down and up again in %d ms%n", (System.nanoTime() - down0) / 1_000_000);
            cache = cluster.client().cache("hearth-zone-default");
            assertEquals(0, cache.size(), "the cluster should start empty");
            // Written after the restart: must survive the warm-up.
            Map<String, byte[]> fresh = new HashMap<>();
            for (int i = 0; i < OVERWRITTEN; i++) {
                String k = "e" + i;
                fresh.put(T + ":" + k, TestEnvelope.encode(T, k, "fresh".getBytes(StandardCharsets.UTF_8), 2, 0));
            }
            cache.putAll(fresh);

            CliRun warm = CliRun.of("warmup", "--from", "before-restart", "--admin", cluster.admin(), "--output",
                    "json");
            System.out.println(warm);
            assertEquals(0, warm.code(), warm.toString());

            int back = 0;
            int wrong = 0;
            for (int from = 0; from < ETERNAL; from += 2000) {
                java.util.Set<String> keys = new java.util.HashSet<>();
                for (int i = from; i < from + 2000; i++) {
                    keys.add(T + ":e" + i);
                }
                Map<String, byte[]> got = cache.getAll(keys);
                for (var e : got.entrySet()) {
                    String k = e.getKey().substring(T.length() + 1);
                    int i = Integer.parseInt(k.substring(1));
                    TestEnvelope.Item item = TestEnvelope.decode(T, k, e.getValue());
                    if (item == null) {
                        wrong++;
                    } else if (i < OVERWRITTEN) {
                        assertEquals(2, item.version(), "written after the restart, overwritten by warm-up: " + k);
                        assertEquals("fresh", new String(item.value(), StandardCharsets.UTF_8));
                    } else if (item.version() == 1 && Arrays.equals(value(k), item.value()) && item.expireAt() == 0) {
                        back++;
                    } else {
                        wrong++;
                    }
                }
            }
            int ttlBack = 0;
            for (int i = 0; i < WITH_TTL; i++) {
                String k = "t" + i;
                TestEnvelope.Item item = TestEnvelope.decode(T, k, cache.get(T + ":" + k));
                if (item != null && item.expireAt() == ttlExpireAt && Arrays.equals(value(k), item.value())) {
                    ttlBack++;
                }
            }
            for (int i = 0; i < SHORT_TTL; i++) {
                assertNull(cache.get(T + ":s" + i), "an entry that expired before the warm-up came back: s" + i);
            }
            int live = ETERNAL - OVERWRITTEN + WITH_TTL;
            double ratio = (double) (back + ttlBack) / live;
            System.out.printf("WARM RESTART: %d/%d live entries back (%.3f%%), %d wrong; TTL entries back %d/%d%n",
                    back + ttlBack, live, ratio * 100, wrong, ttlBack, WITH_TTL);
            assertEquals(0, wrong, "entries back with wrong values");
            assertTrue(ratio >= 0.99, "only " + ratio + " of live entries back");
            // Entries with a TTL came back with the same absolute expiry time (expireAt in the stored envelope).
            assertTrue(ttlBack >= WITH_TTL * 0.99, "TTL entries back: " + ttlBack);
        }
    }

    private static void putWithTtl(ClientCache<String, byte[]> cache, String prefix, int n, long expireAt, long now) {
        ClientCache<String, byte[]> c = cache.withExpirePolicy(new CreatedExpiryPolicy(
                new Duration(TimeUnit.MILLISECONDS, expireAt - now)));
        Map<String, byte[]> batch = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String k = prefix + i;
            batch.put(T + ":" + k, TestEnvelope.encode(T, k, value(k), 1, expireAt));
        }
        c.putAll(batch);
    }
}
