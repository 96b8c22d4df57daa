package dev.hearth.node.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of one of three nodes while a memcached client (spymemcached, all three servers configured, the way an
 * existing memcached user points at Hearth) runs gets and sets. Every node serves every key, so the client's
 * failover to another server finds the data there.
 *
 * <p>Extended (-Pextended, 41 s): verify already kills one of three nodes under load and counts failed operations
 * and lost acknowledged writes (KillRestartDeadlineIT, FailoverIT), and spymemcached's own behaviour is checked by
 * ThirdPartyClientsClusterTest.
 */
@Timeout(600)
@org.junit.jupiter.api.Tag("extended")
class MemcachedFailoverIT {
    @TempDir
    Path dir;

    @Test
    void killNineUnderMemcachedLoad() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster("mcfail", 3, dir).start()) {
            List<InetSocketAddress> servers = new ArrayList<>();
            cluster.nodes.forEach(n -> servers.add(new InetSocketAddress("127.0.0.1", n.ports().memcached())));
            MemcachedClient mc = new MemcachedClient(new ConnectionFactoryBuilder()
                    .setProtocol(ConnectionFactoryBuilder.Protocol.TEXT)
                    .setFailureMode(FailureMode.Redistribute)
                    .setOpTimeout(1000).build(), servers);
            try {
                Map<String, String> acked = new ConcurrentHashMap<>();
                for (int i = 0; i < 2000; i++) {
                    assertTrue(mc.set("mf:" + i, 0, "v" + i).get(5, TimeUnit.SECONDS));
                    acked.put("mf:" + i, "v" + i);
                }
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger failed = new AtomicInteger();
                AtomicInteger ops = new AtomicInteger();
                AtomicInteger misses = new AtomicInteger();
                AtomicLong worst = new AtomicLong();
                AtomicLong afterKill = new AtomicLong(Long.MAX_VALUE);
                AtomicLong lastFailure = new AtomicLong();
                List<Thread> threads = new ArrayList<>();
                // A set that failed (its node died before answering) may or may not have been applied: until the
                // key's next acknowledged set, either value is right. Each thread writes only its own keys, so the
                // order of acknowledgements per key is the order of the writes.
                Map<String, List<String>> unconfirmed = new ConcurrentHashMap<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    Thread th = new Thread(() -> {
                        java.util.Random rnd = new java.util.Random(seed);
                        int n = 0;
                        while (!stop.get()) {
                            int i = rnd.nextInt(2000);
                            boolean set = rnd.nextInt(10) == 0;
                            String key = "mf:" + i;
                            String v = "w" + seed + "-" + n++;
                            if (set && i % 4 != seed) {
                                continue;
                            }
                            long t0 = System.nanoTime();
                            try {
                                if (set) {
                                    if (mc.set(key, 0, v).get(2, TimeUnit.SECONDS)) {
                                        acked.put(key, v);
                                        unconfirmed.remove(key);
                                    } else {
                                        failed.incrementAndGet();
                                        unconfirmed.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
                                    }
                                } else if (mc.get(key) == null) {
                                    misses.incrementAndGet();
                                }
                            } catch (Exception e) {
                                failed.incrementAndGet();
                                lastFailure.set(System.nanoTime());
                                if (set) {
                                    unconfirmed.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
                                }
                            }
                            long took = System.nanoTime() - t0;
                            worst.accumulateAndGet(took, Math::max);
                            ops.incrementAndGet();
                        }
                    }, "mc-load-" + t);
                    threads.add(th);
                    th.start();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> ops.get() >= 500);
                worst.set(0);
                long killedAt = System.nanoTime();
                afterKill.set(killedAt);
                cluster.node(1).kill9();
                long atKill = ops.get();
                // The load runs on through the failure detection (6 s covers it) and keeps flowing after it.
                await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofSeconds(6))
                        .until(() -> ops.get() >= atKill + 500);
                stop.set(true);
                for (Thread th : threads) {
                    th.join();
                }
                long failWindowMs = lastFailure.get() > killedAt ? (lastFailure.get() - killedAt) / 1_000_000 : 0;

                // Every acknowledged write is readable through a surviving node alone.
                MemcachedClient survivor = new MemcachedClient(new InetSocketAddress("127.0.0.1",
                        cluster.node(2).ports().memcached()));
                int lost = 0;
                List<String> lostKeys = new ArrayList<>();
                int unconfirmedApplied = 0;
                try {
                    Map<String, Object> got = survivor.getBulk(acked.keySet());
                    for (var e : acked.entrySet()) {
                        Object value = got.get(e.getKey());
                        if (e.getValue().equals(value)) {
                            continue;
                        }
                        if (unconfirmed.getOrDefault(e.getKey(), List.of()).contains(value)) {
                            unconfirmedApplied++;
                            continue;
                        }
                        lost++;
                        if (lostKeys.size() < 10) {
                            lostKeys.add(e.getKey() + " acknowledged " + e.getValue() + ", read " + value);
                        }
                    }
                } finally {
                    survivor.shutdown();
                }
                System.out.printf("memcached client, kill -9 of 1 of 3 nodes: %d ops, %d failed (last failure %d ms "
                        + "after the kill), %d misses, worst op %.0f ms, %d of %d acknowledged keys lost, %d keys hold "
                        + "the value of a set that failed%n", ops.get(), failed.get(), failWindowMs, misses.get(),
                        worst.get() / 1e6, lost, acked.size(), unconfirmedApplied);
                assertEquals(0, lost, () -> "acknowledged writes lost: " + lostKeys);
                assertEquals(0, misses.get(), "reads that missed a key that was written");
                // The client needs time to notice the dead server; ops to it fail until then, but not for long.
                assertTrue(failWindowMs < 5000, "failures went on for " + failWindowMs + " ms");
            } finally {
                mc.shutdown(2, TimeUnit.SECONDS);
            }
        }
    }
}
