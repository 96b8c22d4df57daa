package dev.hearth.node.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.status.NodeStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.Ignition;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition exchange that never ends (the wedge seen after a whole-cluster pause) made on purpose: a transaction on
 * the tenant registry (the one transactional cache) stays open while a second node joins, and the exchange for the
 * join waits for it to finish. The node must say it is not ready, then give up (cluster.stuckExchangeTimeout) and
 * report itself failed, which makes the process exit for its supervisor.
 */
class StuckExchangeTest {
    @TempDir
    Path dir;

    @Test
    void aNodeWhoseExchangeNeverEndsTurnsNotReadyThenFails() throws Exception {
        int[] disco = TestNodes.freePorts(2);
        String[] sets = {"cluster.stuckExchangeTimeout=10s"};
        HearthNode a = HearthNode.start(TestNodes.config("stuck", 0, disco, dir, sets), null);
        CountDownLatch txOpen = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            IgniteCache<String, String> registry = a.ignite().cache(IgniteTenantRegistry.CACHE);
            try (Transaction tx = a.ignite().transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                    TransactionIsolation.REPEATABLE_READ)) {
                registry.put("stuck-test", "{}");
                txOpen.countDown();
                release.await();
                tx.rollback();
            } catch (Exception e) {
                // the node under the transaction stopped: the test has its verdict by then
            }
        }, "tx-holder");
        holder.setDaemon(true);
        holder.start();
        assertTrue(txOpen.await(30, TimeUnit.SECONDS), "the transaction opened");
        CompletableFuture<HearthNode> b = CompletableFuture.supplyAsync(() -> {
            try {
                return HearthNode.start(TestNodes.config("stuck", 1, disco, dir, sets), null);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        try {
            long t0 = System.nanoTime();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !a.status().readiness().ready());
            NodeStatus.Readiness notReady = a.status().readiness();
            long notReadyAfterMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(notReady.reason().contains("partition exchange has blocked cache operations"),
                    notReady.reason());
            assertFalse(a.failed(), "not failed before cluster.stuckExchangeTimeout");
            a.stopped().get(40, TimeUnit.SECONDS);
            long failedAfterMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("exchange held open by a transaction: not ready after %d ms (%s), failed after %d ms%n",
                    notReadyAfterMs, notReady.reason(), failedAfterMs);
            assertTrue(a.failed(), "a wedged node reports itself failed, for Main to exit non-zero");
            assertTrue(failedAfterMs >= 9_000, "failed only once the exchange was stuck for 10 s: " + failedAfterMs);
        } finally {
            release.countDown();
            HearthNode joined = b.handle((n, e) -> n).get(60, TimeUnit.SECONDS);
            // A failed node leaves its Ignite to the process exit, which a test JVM must not wait for; and a graceful
            // stop would wait for a safe moment that this half-rebalanced pair may never reach.
            a.ignite().cluster().shutdownPolicy(ShutdownPolicy.IMMEDIATE);
            for (HearthNode n : joined == null ? new HearthNode[] {a} : new HearthNode[] {joined, a}) {
                Ignition.stop(n.ignite().name(), true);
                n.close();
            }
        }
    }
}
