package dev.hearth.node.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.config.ConfigLoader;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Memory that runs out under a connection, on either protocol's handler, reaches the node with the figures (and the
 * connection closes); anything else only closes the connection.
 */
@Timeout(30)
class OutOfMemoryTest {
    @Test
    void outOfMemoryUnderAConnectionIsHandedToTheNodeWithTheFigures() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Endpoint endpoint = new Endpoint(new ConfigLoader().load(null, Map.of(), List.of()).memcached(),
                    new OperationStats(), scheduler);
            List<String> reports = new CopyOnWriteArrayList<>();
            endpoint.exhausted = reports::add;
            for (EmbeddedChannel ch : List.of(new EmbeddedChannel(new TextHandler(endpoint)),
                    new EmbeddedChannel(new BinaryHandler(endpoint)))) {
                ch.pipeline().fireExceptionCaught(new RuntimeException("wrapped",
                        new OutOfMemoryError("Cannot reserve 1048576 bytes of direct buffer memory")));
                assertFalse(ch.isOpen(), "the connection closes");
            }
            assertEquals(2, reports.size(), reports.toString());
            assertTrue(reports.get(0).matches("direct memory exhausted under memcached connection .*: "
                    + "java.lang.OutOfMemoryError: Cannot reserve 1048576 bytes of direct buffer memory; direct "
                    + "buffers in use \\d+ of \\d+ bytes .*"), reports.get(0));

            EmbeddedChannel other = new EmbeddedChannel(new TextHandler(endpoint));
            other.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
            assertFalse(other.isOpen());
            assertEquals(2, reports.size(), "a lost connection is not exhaustion");
        } finally {
            scheduler.shutdownNow();
        }
    }
}
