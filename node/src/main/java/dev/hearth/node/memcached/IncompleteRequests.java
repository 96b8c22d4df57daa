package dev.hearth.node.memcached;

import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.health.LogEvery;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Bounds what one connection's incomplete request may hold, in time and in memory: a half-sent command line or
 * value sits in the decoder's buffer (up to about twice memcached.maxItemSize) for as long as the connection lives,
 * and idleTimeout is off by default.
 * <ul>
 *   <li>Time: the connection is closed once its request has been incomplete for memcached.requestTimeout. Time the
 *       node itself spends not reading (a connection throttled for its answers) does not count against the client.
 *   <li>Memory: the buffer is counted against the node's {@link InputMemory}; a read that takes the node past its
 *       limit closes the connection holding the most. Whole requests hold nothing after their read.
 * </ul>
 * Used by one decoder, on its event loop.
 */
final class IncompleteRequests {
    private static final Logger LOG = LogManager.getLogger(IncompleteRequests.class);
    private static final LogEvery LOG_EVERY = new LogEvery(Duration.ofMinutes(1));
    private final long timeoutNanos;
    private final InputMemory memory;
    private final OperationStats ops;
    /** Since when the buffered bytes have made no whole request; 0 while nothing is buffered. */
    private long since;
    /** The buffer's size as last counted in {@link #memory}; read and written on this connection's event loop. */
    private long holding;
    /** This connection's, once it has read; read by other connections' event loops when they evict it. */
    private volatile ChannelHandlerContext ctx;
    /** Set once, by whichever event loop closes this connection for the input bound. */
    private final java.util.concurrent.atomic.AtomicBoolean closedForMemory =
            new java.util.concurrent.atomic.AtomicBoolean();
    private ScheduledFuture<?> check;

    /**
     * @param timeoutNanos 0 = never close for time
     * @param memory the node's bound on what incomplete requests hold
     * @param ops where closed connections are counted
     */
    IncompleteRequests(long timeoutNanos, InputMemory memory, OperationStats ops) {
        this.timeoutNanos = timeoutNanos;
        this.memory = memory;
        this.ops = ops;
    }

    /** For decoders used on their own (tests): no bound. */
    static IncompleteRequests unbounded() {
        return new IncompleteRequests(0, InputMemory.unbounded(), new OperationStats());
    }

    /**
     * After the decoder has read what arrived.
     *
     * @param buffered bytes of an incomplete request the decoder holds
     * @param bufferBytes the size of the buffer that holds them (what they cost)
     * @param progressed whether this read completed at least one request
     * @return false if the connection was closed
     */
    boolean afterRead(ChannelHandlerContext ctx, int buffered, long bufferBytes, boolean progressed) {
        if (!ctx.channel().isActive() || closedForMemory.get()) {
            // Netty may end a read on a channel that closed during it (this class closing it, for one), and another
            // connection's event loop may have closed this one: what it holds goes with the decoder, and must not
            // count (or be refused) again.
            cancel();
            return false;
        }
        this.ctx = ctx;
        long now = buffered == 0 ? 0 : bufferBytes;
        if (now != holding) {
            holding = now;
            IncompleteRequests victim = memory.change(this, now);
            if (victim != null) {
                victim.evict(this, now);
                if (victim == this) {
                    cancel();
                    return false;
                }
            }
        }
        if (timeoutNanos <= 0) {
            return true;
        }
        if (buffered == 0) {
            since = 0;
            return true;
        }
        if (since == 0 || progressed) {
            since = System.nanoTime();
        }
        if (check == null) {
            check = ctx.executor().schedule(() -> fire(ctx, buffered), timeoutNanos, TimeUnit.NANOSECONDS);
        }
        return true;
    }

    private void fire(ChannelHandlerContext ctx, int buffered) {
        check = null;
        if (since == 0 || !ctx.channel().isActive()) {
            return;
        }
        if (!ctx.channel().config().isAutoRead()) {
            since = System.nanoTime(); // the node stopped reading: the rest of the request may be waiting for us
        }
        long waited = System.nanoTime() - since;
        if (waited < timeoutNanos) {
            check = ctx.executor().schedule(() -> fire(ctx, buffered), timeoutNanos - waited, TimeUnit.NANOSECONDS);
            return;
        }
        ops.memcachedClosed(OperationStats.Closed.REQUEST_TIMEOUT);
        LOG.warn("closing memcached connection {}: a request has been incomplete for {} ms ({} bytes buffered; "
                + "memcached.requestTimeout)", ctx.channel().remoteAddress(), TimeUnit.NANOSECONDS.toMillis(waited),
                buffered);
        ctx.close();
    }

    /**
     * Closes this connection for the node's input bound, from any thread ({@link InputMemory} no longer counts it).
     *
     * @param grower the connection whose growth passed the bound, and its buffer's size
     */
    private void evict(IncompleteRequests grower, long growerBytes) {
        if (!closedForMemory.compareAndSet(false, true)) {
            return;
        }
        ops.memcachedClosed(OperationStats.Closed.INPUT_MEMORY);
        ChannelHandlerContext mine = ctx;
        if (LOG_EVERY.allow("input")) {
            LOG.warn("closing memcached connection {}: it holds the largest incomplete request, and {} bytes of "
                    + "buffers{} took the node's incomplete requests past memcached.inputMemory ({} bytes; {} "
                    + "connections closed so since the node started; at most one line a minute)",
                    mine == null ? "?" : mine.channel().remoteAddress(), growerBytes,
                    grower == this ? " of its own" : " of another connection's", memory.limit(),
                    ops.memcachedClosed().get("input_memory"));
        }
        if (mine != null) {
            mine.close();
        }
    }

    /** The decoder is gone (the connection closed): its buffer no longer counts. */
    void cancel() {
        memory.release(this);
        holding = 0;
        since = 0;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
