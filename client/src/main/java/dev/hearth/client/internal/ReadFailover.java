package dev.hearth.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads around an unresponsive primary copy: a read with no answer after {@code readFailoverAfter} is sent to the
 * other nodes too ({@link NodeLinks}), and the first answer wins. Exists only when read failover is on; owns the one
 * timer thread that fires the failovers.
 */
final class ReadFailover {
    /** ClientCore's logger, as before read failover had its own class: logging configurations name it. */
    private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);

    private final StatsRecorder stats;
    private final BooleanSupplier closed;
    /** Reads not answered yet, oldest first. */
    private final FailoverTimer timer;

    /**
     * @param budgetNanos how long a read waits for its primary before it fails over
     * @param closed whether the client is closed (no failover is started then)
     */
    ReadFailover(long budgetNanos, StatsRecorder stats, BooleanSupplier closed) {
        this.stats = stats;
        this.closed = closed;
        this.timer = new FailoverTimer(budgetNanos);
    }

    /** Stops the timer thread; reads not failed over by then are not. */
    void stop() {
        timer.stop();
    }

    /**
     * Read failover: if {@code primary} (the read sent to the key's primary copy) has no answer after
     * {@code readFailoverAfter}, {@code hedge} sends the same read to the other nodes ({@link NodeLinks}); the first
     * answer wins. Fails when the primary and every hedged read failed.
     *
     * @param hedge sends the read, completing its first argument with an answer or calling its second once if no
     *     node answered; returns 1 if it sent the read, 0 if not
     */
    <T> CompletableFuture<T> around(ClientCore.Ctx ctx, CompletableFuture<T> primary,
            BiFunction<CompletableFuture<T>, Consumer<Throwable>, Integer> hedge) {
        if (primary.isDone()) {
            return primary;
        }
        Race<T> out = new Race<>(ctx, hedge);
        primary.whenComplete(out);
        if (ctx.waiter == Thread.currentThread()) {
            // The caller waits for this read anyway (the blocking view): it fires the failover itself if its wait
            // outlasts the budget. Queueing every read for the timer thread cost that thread's polling and the
            // queue's contention: about a tenth of the client's CPU at 16 callers.
            ctx.leaveReadFailover(out, timer.budgetNanos);
        } else {
            timer.add(out);
        }
        return out;
    }

    /**
     * One read and its failover, in one object: the read's result, the primary's completion, the failover to fire
     * and what a failed copy reports. Every read makes one (the failover itself is rare); the lambdas and atomics it
     * replaced were five more objects per read, made and completed on the callers' threads and Ignite's network thread.
     */
    private final class Race<T> extends CompletableFuture<T>
            implements Runnable, Consumer<Throwable>, BiConsumer<T, Throwable> {
        private static final int HOLD = 1 << 20;
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Race> PENDING =
                AtomicIntegerFieldUpdater.newUpdater(Race.class, "pending");
        private final ClientCore.Ctx ctx;
        private final BiFunction<CompletableFuture<T>, Consumer<Throwable>, Integer> hedge;
        /** Reads still waiting for an answer: the primary plus each hedged one; the last failure fails the read. */
        private volatile int pending = 1;
        private volatile Throwable firstFailure;

        Race(ClientCore.Ctx ctx, BiFunction<CompletableFuture<T>, Consumer<Throwable>, Integer> hedge) {
            this.ctx = ctx;
            this.hedge = hedge;
        }

        /** The primary's answer. */
        @Override
        public void accept(T value, Throwable error) {
            if (error == null) {
                complete(value);
            } else {
                accept(error);
            }
        }

        /** A copy (the primary or a hedged read) failed. */
        @Override
        public void accept(Throwable error) {
            synchronized (this) {
                if (firstFailure == null) {
                    firstFailure = error;
                }
            }
            if (PENDING.decrementAndGet(this) == 0) {
                completeExceptionally(firstFailure);
            }
        }

        /** The failover: the same read to the other nodes, unless answered, past the deadline or closed. */
        @Override
        public void run() {
            if (isDone() || ctx.remaining() <= 0 || closed.getAsBoolean()) {
                return;
            }
            // Held up by a large count while sending, so that early failures cannot fail the read too soon.
            if (PENDING.getAndAdd(this, HOLD) == 0) {
                return; // already failed
            }
            CompletableFuture<T> hedged = new CompletableFuture<>();
            hedged.whenComplete((r, e) -> {
                if (e == null && complete(r)) {
                    stats.readFailoverAnswers.increment();
                }
            });
            int sent = hedge.apply(hedged, this);
            if (sent > 0) {
                stats.readFailovers.increment();
            }
            if (PENDING.addAndGet(this, sent - HOLD) == 0) {
                completeExceptionally(firstFailure);
            }
        }
    }

    /** Starts a read's failover, from the timer or from its waiting caller; a failure to start it is logged. */
    static void fire(Runnable failover) {
        try {
            failover.run();
        } catch (RuntimeException e) {
            LOG.warn("read failover failed to start", e);
        }
    }

    /**
     * Fires each read's failover once its budget has passed without an answer. One thread and a FIFO queue (every
     * read has the same budget, so the queue is in due order): adding costs one CAS, where a scheduled executor's
     * heap took a lock per read.
     */
    private static final class FailoverTimer {
        private final long budgetNanos;
        private final ConcurrentLinkedQueue<Due> queue = new ConcurrentLinkedQueue<>();
        private final Thread thread;
        private volatile boolean stopped;

        private record Due(long atNanos, Race<?> read) {
        }

        FailoverTimer(long budgetNanos) {
            this.budgetNanos = budgetNanos;
            this.thread = new ClientThreads.HearthThread(this::loop, "hearth-failover-timer",
                    ClientThreads.ThreadKind.OTHER);
            thread.start();
        }

        void add(Race<?> read) {
            queue.add(new Due(System.nanoTime() + budgetNanos, read));
        }

        private void loop() {
            // Wakes at most every 2 ms under load: reads due within the same 2 ms fail over together.
            final long minPark = TimeUnit.MILLISECONDS.toNanos(2);
            while (!stopped) {
                Due d = queue.peek();
                if (d == null) {
                    LockSupport.parkNanos(Math.max(minPark, budgetNanos));
                    continue;
                }
                long wait = d.atNanos() - System.nanoTime();
                if (wait > 0 && !d.read().isDone()) {
                    LockSupport.parkNanos(Math.max(minPark, wait));
                    continue;
                }
                queue.poll();
                if (!d.read().isDone()) {
                    fire(d.read());
                }
            }
        }

        void stop() {
            stopped = true;
            LockSupport.unpark(thread);
        }
    }
}
