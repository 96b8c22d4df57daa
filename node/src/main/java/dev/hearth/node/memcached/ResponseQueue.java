package dev.hearth.node.memcached;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Keeps a connection's answers in request order while the cache service completes them in any order: each request
 * takes a slot (a future) at the tail; whenever a slot completes, the completed slots at the head are written and
 * flushed, on the channel's event loop. A slot completing with null writes nothing (noreply, quiet misses); a
 * {@link #CLOSE} value closes the connection after what was written before it; a list writes its elements.
 *
 * <p>It also bounds the work a connection can have in flight: past {@value #HIGH_WATER} pending answers, or when
 * the socket is not writable, the channel stops reading until the backlog drains to {@value #LOW_WATER}.
 */
final class ResponseQueue {
    /** Close the connection once everything before it is written. */
    static final Object CLOSE = new Object();
    static final int HIGH_WATER = 1024;
    static final int LOW_WATER = 256;

    private final ChannelHandlerContext ctx;
    private final Function<Throwable, Object> onFailure;
    private final ArrayDeque<CompletableFuture<Object>> pending = new ArrayDeque<>();
    private boolean closed;
    private boolean paused;
    private boolean closeWhenAnswered;

    ResponseQueue(ChannelHandlerContext ctx, Function<Throwable, Object> onFailure) {
        this.ctx = ctx;
        this.onFailure = onFailure;
    }

    /** Call on the event loop, in request order. */
    void add(CompletableFuture<?> answer) {
        if (closed) {
            return;
        }
        CompletableFuture<Object> slot = new CompletableFuture<>();
        pending.addLast(slot);
        answer.whenComplete((r, e) -> {
            slot.complete(e == null ? r : onFailure.apply(e));
            if (ctx.executor().inEventLoop()) {
                drain();
            } else {
                ctx.executor().execute(this::drain);
            }
        });
        if (pending.size() > HIGH_WATER && !paused) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    /**
     * The node is stopping: close the connection as soon as every request received so far is answered (now, if
     * none is pending). Requests that arrive before that are served too.
     */
    void closeWhenAnswered() {
        closeWhenAnswered = true;
        if (!closed && pending.isEmpty()) {
            close();
        }
    }

    void addNow(Object answer) {
        add(CompletableFuture.completedFuture(answer));
    }

    boolean closed() {
        return closed;
    }

    int size() {
        return pending.size();
    }

    private void drain() {
        boolean wrote = false;
        while (!closed && !pending.isEmpty() && pending.peekFirst().isDone()) {
            Object r = pending.pollFirst().join();
            if (r == null) {
                continue;
            }
            if (r == CLOSE) {
                close();
                return;
            }
            if (r instanceof List<?> list) {
                for (Object o : list) {
                    if (o == CLOSE) {
                        close();
                        return;
                    }
                    ctx.write(o);
                    wrote = true;
                }
            } else {
                ctx.write(r);
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (closeWhenAnswered && !closed && pending.isEmpty()) {
            close();
            return;
        }
        resumeIfDrained();
    }

    void resumeIfDrained() {
        if (paused && !closed && pending.size() <= LOW_WATER && ctx.channel().isWritable()) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The socket's write buffer filled up (or drained): stop or resume reading. */
    void writabilityChanged() {
        if (!ctx.channel().isWritable()) {
            if (!paused) {
                paused = true;
                ctx.channel().config().setAutoRead(false);
            }
        } else {
            resumeIfDrained();
        }
    }

    private void close() {
        closed = true;
        pending.clear();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
