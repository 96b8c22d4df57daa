package dev.hearth.node.memcached;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Closes a connection whose request has stayed incomplete for longer than memcached.requestTimeout: a half-sent
 * command line or value is held in the decoder's buffer (up to about 1 MiB) for as long as the connection lives,
 * and idleTimeout is off by default. Time the node itself spends not reading (a connection throttled for its
 * answers) does not count against the client. Used by one decoder, on its event loop.
 */
final class IncompleteRequestTimer {
    private static final Logger LOG = LogManager.getLogger(IncompleteRequestTimer.class);
    private final long timeoutNanos;
    /** Since when the buffered bytes have made no whole request; 0 while nothing is buffered. */
    private long since;
    private ScheduledFuture<?> check;

    /** @param timeoutNanos 0 = never close */
    IncompleteRequestTimer(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * After the decoder has read what arrived.
     *
     * @param buffered bytes of an incomplete request the decoder holds
     * @param progressed whether this read completed at least one request
     */
    void afterRead(ChannelHandlerContext ctx, int buffered, boolean progressed) {
        if (timeoutNanos <= 0) {
            return;
        }
        if (buffered == 0) {
            since = 0;
            return;
        }
        if (since == 0 || progressed) {
            since = System.nanoTime();
        }
        if (check == null) {
            check = ctx.executor().schedule(() -> fire(ctx, buffered), timeoutNanos, TimeUnit.NANOSECONDS);
        }
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
        LOG.warn("closing memcached connection {}: a request has been incomplete for {} ms ({} bytes buffered; "
                + "memcached.requestTimeout)", ctx.channel().remoteAddress(), TimeUnit.NANOSECONDS.toMillis(waited),
                buffered);
        ctx.close();
    }

    void cancel() {
        since = 0;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
