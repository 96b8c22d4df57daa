package dev.hearth.node.memcached;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps a connection's answers in request order while the cache service completes them in any order: each request
 * takes a slot at the tail; whenever a slot completes, the completed slots at the head are written and flushed, on
 * the channel's event loop. A slot completing with null writes nothing (noreply, quiet misses); a {@link #CLOSE}
 * value closes the connection after what was written before it; a list writes its elements.
 *
 * <p>It also bounds what a connection holds, in requests and in bytes:
 * <ul>
 *   <li>a request first reserves, in the connection's {@link ByteBudget} (inside the node's), the largest answer it
 *       can get; once answered it keeps what the answer really takes until that is written to the socket;
 *   <li>answers go to the socket only while it is writable, so Netty's outbound buffer (direct memory) holds at
 *       most its high water mark plus one answer;
 *   <li>the channel stops reading while a reservation waits, while more than {@value #HIGH_WATER} answers are
 *       pending, or while the socket is not writable; it reads again once all of that has cleared;
 *   <li>a client that reads nothing for {@code slowReaderTimeout} while answers wait is disconnected, with a log
 *       line: its answers would otherwise hold the node's budget for ever.
 * </ul>
 */
final class ResponseQueue {
    private static final Logger LOG = LogManager.getLogger(ResponseQueue.class);
    /** Close the connection once everything before it is written. */
    static final Object CLOSE = new Object();
    static final int HIGH_WATER = 1024;
    static final int LOW_WATER = 256;
    private static final CompletableFuture<Void> NO_ROOM_NEEDED = CompletableFuture.completedFuture(null);
    private static final CancellationException CLOSED = new CancellationException("memcached connection closed");

    private final ChannelHandlerContext ctx;
    private final ToLongFunction<Object> sizer;
    private final ByteBudget budget;
    private final long slowReaderNanos;
    private final ArrayDeque<Slot> pending = new ArrayDeque<>();
    private boolean closed;
    private boolean paused;
    private boolean closeWhenAnswered;
    private int waitingForRoom;
    /** When the socket last stopped being writable with answers waiting, 0 while it is writable. */
    private long unwritableSince;
    private ScheduledFuture<?> slowReaderCheck;

    /** One request's answer; touched on the event loop only. */
    private static final class Slot {
        Object value;
        boolean done;
        long held;
    }

    /**
     * @param sizer the bytes an answer takes until written (for a list, its elements together)
     * @param budget this connection's budget (its parent is the node's)
     * @param slowReaderTimeout how long the socket may stay unwritable while answers wait; 0 = for ever
     */
    ResponseQueue(ChannelHandlerContext ctx, ToLongFunction<Object> sizer, ByteBudget budget,
            java.time.Duration slowReaderTimeout) {
        this.ctx = ctx;
        this.sizer = sizer;
        this.budget = budget;
        this.slowReaderNanos = slowReaderTimeout.toNanos();
    }

    /**
     * Takes the next slot, in request order, on the event loop. {@code command} gets a future that completes once
     * {@code reserve} bytes are reserved for its answer (at once when free) and must not read the cluster before
     * it does; it returns the answer. {@code onFailure} gives the answer when it fails instead.
     */
    void add(long reserve, Function<Throwable, Object> onFailure,
            Function<CompletableFuture<Void>, CompletableFuture<?>> command) {
        if (closed) {
            return;
        }
        long bytes = reserve <= 0 ? 0 : budget.clamp(reserve);
        CompletableFuture<Void> room = bytes == 0 ? NO_ROOM_NEEDED : budget.acquire(bytes);
        // What the command waits on: room granted later is granted by whichever thread released bytes (often one
        // of Ignite's striped threads, completing another answer); the command then starts on the event loop.
        CompletableFuture<Void> roomOnLoop = room;
        if (!room.isDone()) {
            waitingForRoom++;
            pause();
            room.whenComplete((v, e) -> onLoop(() -> {
                waitingForRoom--;
                resumeIfDrained();
            }));
            roomOnLoop = room.thenApplyAsync(v -> v, ctx.executor());
        }
        Slot slot = new Slot();
        pending.addLast(slot);
        CompletableFuture<?> answer;
        try {
            answer = command.apply(roomOnLoop);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((r, e) -> {
            Object value = e == null ? r : onFailure.apply(e);
            long size = sizer.applyAsLong(value);
            if (room.isDone() && !room.isCompletedExceptionally()) {
                if (size < bytes) {
                    budget.release(bytes - size);
                } else {
                    budget.force(size - bytes);
                }
            } else {
                // Answered without its room (it failed before asking the cluster): give the room back once granted.
                room.thenRun(() -> budget.release(bytes));
                budget.force(size);
            }
            onLoop(() -> completed(slot, value, size));
        });
        if (pending.size() > HIGH_WATER) {
            pause();
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

    boolean closed() {
        return closed;
    }

    /** The channel closed (by either side): whatever is held goes back to the budget. */
    void channelClosed() {
        if (!closed) {
            closed = true;
            releaseHeld();
        }
    }

    private void onLoop(Runnable r) {
        if (ctx.executor().inEventLoop()) {
            r.run();
        } else {
            ctx.executor().execute(r);
        }
    }

    private void completed(Slot slot, Object value, long size) {
        if (closed) {
            budget.release(size);
            return;
        }
        slot.value = value;
        slot.held = size;
        slot.done = true;
        drain();
    }

    private void drain() {
        boolean wrote = false;
        while (!closed && !pending.isEmpty() && pending.peekFirst().done) {
            if (!ctx.channel().isWritable()) {
                unwritable();
                break;
            }
            Slot slot = pending.pollFirst();
            Object r = slot.value;
            long held = slot.held;
            if (r == null) {
                budget.release(held);
                continue;
            }
            if (r == CLOSE) {
                budget.release(held);
                close();
                return;
            }
            ChannelFuture last = null;
            if (r instanceof List<?> list) {
                for (Object o : list) {
                    if (o == CLOSE) {
                        budget.release(held);
                        if (last != null) {
                            ctx.flush();
                        }
                        close();
                        return;
                    }
                    last = ctx.write(o);
                }
            } else {
                last = ctx.write(r);
            }
            if (last == null) {
                budget.release(held);
            } else {
                wrote = true;
                last.addListener(f -> {
                    budget.release(held);
                    if (!f.isSuccess()) {
                        writeFailed(ctx, f.cause());
                    }
                });
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

    /**
     * An answer could not be written. Out of memory (Netty's direct memory, most likely) goes to the connection's
     * handler as any other exception of the connection, which reports it ({@code Endpoint.outOfMemory}); either way
     * the connection closes, as its answers can no longer all be delivered in order.
     */
    static void writeFailed(ChannelHandlerContext ctx, Throwable cause) {
        if (outOfMemory(cause)) {
            ctx.pipeline().fireExceptionCaught(cause);
        } else {
            LOG.debug("memcached connection {}: answer not written: {}", ctx.channel().remoteAddress(),
                    cause.toString());
        }
        ctx.channel().close();
    }

    /** Whether {@code t} or one of its causes is an OutOfMemoryError (Netty's OutOfDirectMemoryError is one). */
    static boolean outOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    private void pause() {
        if (!paused) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    void resumeIfDrained() {
        if (paused && !closed && waitingForRoom == 0 && pending.size() <= LOW_WATER && ctx.channel().isWritable()) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The socket's write buffer filled up (or drained): stop reading, or write what waits and read again. */
    void writabilityChanged() {
        if (!ctx.channel().isWritable()) {
            pause();
            unwritable();
        } else {
            unwritableSince = 0;
            drain();
        }
    }

    private void unwritable() {
        if (unwritableSince == 0) {
            unwritableSince = System.nanoTime();
        }
        if (slowReaderNanos > 0 && slowReaderCheck == null) {
            slowReaderCheck = ctx.executor().schedule(this::checkSlowReader, slowReaderNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkSlowReader() {
        slowReaderCheck = null;
        if (closed || unwritableSince == 0 || ctx.channel().isWritable()) {
            unwritableSince = 0;
            return;
        }
        long stalled = System.nanoTime() - unwritableSince;
        if (stalled < slowReaderNanos) {
            slowReaderCheck = ctx.executor().schedule(this::checkSlowReader, slowReaderNanos - stalled,
                    TimeUnit.NANOSECONDS);
            return;
        }
        long waiting = 0;
        for (Slot s : pending) {
            waiting += s.held;
        }
        LOG.warn("closing memcached connection {}: it read none of its answers for {} ms ({} answers, {} bytes "
                + "waiting; memcached.slowReaderTimeout)", ctx.channel().remoteAddress(),
                TimeUnit.NANOSECONDS.toMillis(stalled), pending.size(), waiting);
        close();
        ctx.channel().close();
    }

    private void close() {
        closed = true;
        releaseHeld();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void releaseHeld() {
        for (Slot s : pending) {
            if (s.done) {
                budget.release(s.held);
            } // not done: released when it completes (closed by then)
        }
        pending.clear();
        budget.cancelWaiters(CLOSED);
        if (slowReaderCheck != null) {
            slowReaderCheck.cancel(false);
            slowReaderCheck = null;
        }
    }
}
