package dev.hearth.node.ignite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.node.cache.UnavailableException;
import dev.hearth.storage.CacheNames;
import dev.hearth.storage.TenantKey;
import dev.hearth.testing.FreePorts;
import dev.hearth.wire.status.MembershipView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.cache.CacheException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quorum rule on real Ignite nodes in one JVM: a part of the cluster without a majority of the expected members
 * refuses writes (through the cache service and through Ignite itself) and says why; a node restarted alone on its
 * data dir still expects its peers; an operator's forget shrinks the cluster; a node of another cluster is refused.
 */
@Timeout(180)
class MembershipClusterTest {
    @TempDir
    Path dir;

    private final List<HearthNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }

    private HearthNode start(String cluster, int i, int[] disco, String... sets) throws Exception {
        HearthNode n = HearthNode.start(TestNodes.config(cluster, i, disco, dir, sets), null);
        nodes.add(n);
        return n;
    }

    private static TenantKey key(String k) {
        return TenantKey.of("t", k.getBytes(StandardCharsets.UTF_8));
    }

    private static Throwable failure(java.util.concurrent.CompletableFuture<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aNodeLeftWithoutAMajorityRefusesWritesUntilTheOperatorShrinksTheCluster() throws Exception {
        int[] disco = FreePorts.several(3);
        HearthNode n0 = start("mq", 0, disco);
        HearthNode n1 = start("mq", 1, disco);
        HearthNode n2 = start("mq", 2, disco);
        n0.cache().set(key("a"), "1".getBytes(StandardCharsets.UTF_8), 0, 0).get(10, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> n0.status().snapshot().membership().expected().size() == 3);

        nodes.remove(n2);
        n2.close();
        MembershipView two = n0.status().snapshot().membership();
        assertTrue(two.hasQuorum(), "2 of 3 is a majority: " + two);
        n0.cache().set(key("b"), "2".getBytes(StandardCharsets.UTF_8), 0, 0).get(10, TimeUnit.SECONDS);

        nodes.remove(n1);
        n1.close();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !n0.status().readiness().ready());
        String why = n0.status().readiness().reason();
        assertTrue(why.contains("no quorum"), why);
        MembershipView one = n0.status().snapshot().membership();
        assertEquals(List.of("mq-1", "mq-2"), one.missing());
        assertFalse(one.hasQuorum());

        Throwable refused = failure(n0.cache().set(key("c"), "3".getBytes(StandardCharsets.UTF_8), 0, 0));
        assertTrue(refused instanceof UnavailableException && refused.getMessage().contains("no quorum"),
                String.valueOf(refused));
        assertEquals("2", new String(n0.cache().get(key("b")).get(10, TimeUnit.SECONDS).value(),
                StandardCharsets.UTF_8), "reads still work");
        // Writes that bypass Hearth (a raw thin client, hearth-client) meet Ignite's topology validator.
        assertThrows(CacheException.class, () -> n0.ignite().cache(CacheNames.zoneCache("default"))
                .put(key("d").storageKey(), new byte[] {1}));

        // The operator shrinks the cluster on purpose.
        n0.membership().forget("mq-1");
        n0.membership().forget("mq-2");
        assertTrue(n0.status().snapshot().membership().hasQuorum());
        n0.cache().set(key("e"), "5".getBytes(StandardCharsets.UTF_8), 0, 0).get(10, TimeUnit.SECONDS);
        // ... through Ignite too, at once: not only at the next topology change.
        n0.ignite().cache(CacheNames.zoneCache("default")).remove(key("e").storageKey());
    }

    @Test
    void aNodeRestartedAloneStillExpectsItsPeers() throws Exception {
        int[] disco = FreePorts.several(2);
        HearthNode a = start("alone", 0, disco);
        HearthNode b = start("alone", 1, disco);
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> a.status().snapshot().membership().expected().size() == 2);
        for (HearthNode n : List.of(b, a)) {
            nodes.remove(n);
            n.close();
        }
        HearthNode again = start("alone", 0, disco);
        String why = again.status().readiness().reason();
        assertFalse(again.status().readiness().ready(), why);
        assertTrue(why.contains("no quorum") && why.contains("alone-1"), why);
        HearthNode peer = start("alone", 1, disco);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> again.status().readiness().ready()
                && peer.status().readiness().ready());
    }

    @Test
    void aNodeOfAnotherClusterIsRefusedAtJoin() throws Exception {
        int[] disco = FreePorts.several(2);
        start("blue", 0, disco);
        Exception e = assertThrows(Exception.class, () -> start("green", 1, disco));
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t.getMessage()).append(" / ");
        }
        assertTrue(chain.toString().contains("cluster 'blue'"), chain.toString());
    }
}
