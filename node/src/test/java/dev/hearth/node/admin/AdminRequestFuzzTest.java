package dev.hearth.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.health.NodeStatus;
import dev.hearth.wire.StopSafety;
import dev.hearth.wire.status.NodeSnapshot;
import dev.hearth.wire.status.Readiness;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fuzzes the admin port's request handling (HTTP decoding, aggregation, routing, method, Origin and token checks) with
 * arbitrary bytes in arbitrary chunks, as an attacker who can reach the port but holds no token. The handler must
 * never let an exception escape, and never reach a route that needs the
 * token: the node status below counts every call that only such a route makes. (What one connection may buffer is
 * bounded by the aggregator's 64 KiB, AdminServer's MAX_REQUEST_BYTES.)
 *
 * <p>The status is a stand-in because a real node's costs a cluster-wide count per call, and the fuzzer makes
 * millions: what is under test is everything in front of it. Regression mode (the seeds in src/test/resources) runs in
 * mvn verify; to fuzz: {@code JAZZER_FUZZ=1 mvn -pl node -am test -Dtest=AdminRequestFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (10 million executions, the figure docs/benchmarks.md reports).
 */
class AdminRequestFuzzTest {
    private static final String TOKEN = "fuzz-token-0123456789abcdef0123456789";
    private static final AtomicInteger PROTECTED_CALLS = new AtomicInteger();
    private static final NodeStatus STATUS = new NodeStatus() {
        @Override
        public Readiness readiness() {
            return new Readiness(true, "ready");
        }

        @Override
        public NodeSnapshot snapshot() {
            PROTECTED_CALLS.incrementAndGet();
            throw new IllegalStateException("status reached without the token");
        }

        @Override
        public StopSafety safety() {
            PROTECTED_CALLS.incrementAndGet();
            return new StopSafety(true, List.of());
        }

        @Override
        public long exchangeBlockedMillis() {
            return 0;
        }
    };
    /** One server for the whole run: only its pipeline is used, never its port. */
    private static final AdminServer SERVER = new AdminServer(STATUS, new OperationStats(), AdminToken.of(TOKEN),
            false, null, new InlineExecutor());

    /** Runs each task at once on the caller, the decoding thread: one thread writes the embedded channel. */
    private static final class InlineExecutor extends java.util.concurrent.AbstractExecutorService {
        private volatile boolean shut;

        @Override
        public void execute(Runnable r) {
            r.run();
        }

        @Override
        public void shutdown() {
            shut = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shut = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shut;
        }

        @Override
        public boolean isTerminated() {
            return shut;
        }

        @Override
        public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) {
            return true;
        }
    }

    @FuzzTest(maxExecutions = 10_000_000, maxDuration = "2h")
    void requests(FuzzedDataProvider data) {
        EmbeddedChannel ch = new EmbeddedChannel();
        SERVER.http(ch.pipeline());
        try {
            while (data.remainingBytes() > 0 && ch.isOpen()) {
                byte[] chunk = data.consumeBytes(data.consumeInt(1, 1024));
                if (chunk.length == 0) {
                    break;
                }
                ch.writeInbound(Unpooled.wrappedBuffer(chunk));
                settle(ch);
            }
            assertEquals(0, PROTECTED_CALLS.get(), "a route that needs the token was reached without it");
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** Runs what the pipeline scheduled, then checks that nothing escaped it. */
    private static void settle(EmbeddedChannel ch) {
        ch.runPendingTasks();
        ch.checkException();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                b.release();
            }
        }
    }
}
