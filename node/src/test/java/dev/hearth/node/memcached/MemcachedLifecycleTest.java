package dev.hearth.node.memcached;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.cache.CacheService;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.config.ConfigLoader;
import dev.hearth.node.config.HearthConfig;
import dev.hearth.storage.Item;
import dev.hearth.storage.Mutation;
import dev.hearth.storage.TenantKey;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listener's start and graceful end, against a cache service whose answers the test releases: before
 * {@code ready} the port refuses connections (a client moves to another server instead of waiting unanswered); on
 * {@code drain} the listener closes at once but a connection with a request in flight stays open until that request
 * is answered, and closes right after.
 */
@Timeout(60)
class MemcachedLifecycleTest {
    /** get answers only when the test completes the future; everything else is unused here. */
    static final class HeldCache implements CacheService {
        final List<CompletableFuture<Item>> gets = new CopyOnWriteArrayList<>();
        final OperationStats stats = new OperationStats();

        @Override
        public CompletableFuture<Item> get(TenantKey key) {
            CompletableFuture<Item> f = new CompletableFuture<>();
            gets.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Map<TenantKey, Item>> getMulti(List<TenantKey> keys) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Item> set(TenantKey key, byte[] value, int flags, long expireAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Mutation.Outcome> mutate(TenantKey key, Mutation mutation) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Item> getAndTouch(TenantKey key, long expireAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> flushAll() {
            throw new UnsupportedOperationException();
        }

        @Override
        public OperationStats stats() {
            return stats;
        }
    }

    private static HearthConfig.Memcached settings() {
        return new ConfigLoader().load(null, Map.of(), List.of("memcached.ioThreads=1")).memcached();
    }

    @Test
    void refusesBeforeReadyAnswersInFlightOnDrainThenCloses() throws Exception {
        MemcachedServer server = new MemcachedServer(settings(), new OperationStats());
        try {
            int port = server.start("127.0.0.1", 0);
            assertThrows(ConnectException.class, () -> new Socket().connect(new InetSocketAddress("127.0.0.1", port),
                    2000), "the port must refuse connections until the node serves");

            HeldCache cache = new HeldCache();
            server.ready(cache);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                out.write("get k1\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                await("the get reaches the cache service").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(5)).until(() -> !cache.gets.isEmpty());
                assertEquals(1, cache.gets.size(), "the get reached the cache service");

                CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(
                        () -> server.drain(Duration.ofSeconds(10)));
                // The listener closes at once...
                await("draining: new connections are refused").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(10)).until(() -> {
                            try (Socket probe = new Socket()) {
                                probe.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                                return false;
                            } catch (ConnectException e) {
                                return true;
                            }
                        });
                // ...but the connection with a request in flight waits for its answer.
                await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
                        .until(() -> !drained.isDone());
                cache.gets.get(0).complete(new Item("v1".getBytes(StandardCharsets.US_ASCII), 0, 1, 0, false));
                assertEquals("VALUE k1 0 2", in.readLine());
                assertEquals("v1", in.readLine());
                assertEquals("END", in.readLine());
                assertEquals(null, in.readLine(), "closed right after the last answer");
                assertEquals(0, drained.get(10, TimeUnit.SECONDS), "no connection left to force-close");
            }
        } finally {
            server.close();
        }
    }

    @Test
    void aBusyPortFailsTheStartWithAClearMessage() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket()) {
            taken.setReuseAddress(true);
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            MemcachedServer server = new MemcachedServer(settings(), new OperationStats());
            try {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> server.start("127.0.0.1", taken.getLocalPort()));
                assertTrue(e.getMessage().contains("memcached port " + taken.getLocalPort()), e.getMessage());
            } finally {
                server.close();
            }
        }
    }
}
