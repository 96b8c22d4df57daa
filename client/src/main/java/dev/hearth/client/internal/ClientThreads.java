package dev.hearth.client.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ignite.thread.IgniteThread;

/**
 * The client's threads: the pools one client owns ({@link #io}, {@link #callbacks}, {@link #loads},
 * {@link #scheduler}), the daemon {@link HearthThread}s they run on, each marked with what it is for
 * ({@link ThreadKind}), and {@link #INLINE}, the executor that runs Ignite's completions where they arrive. Every
 * thread is a daemon: a client left open never keeps the JVM alive.
 */
final class ClientThreads {
    /**
     * True while this thread runs one of Ignite's completions ({@link #INLINE}): usually Ignite's network thread,
     * which must never block (it would hold up every answer) nor call Ignite (a reconnect there waits for a
     * handshake only that same thread can read).
     */
    private static final ThreadLocal<boolean[]> IN_COMPLETION = ThreadLocal.withInitial(() -> new boolean[1]);
    /**
     * How many threads other than Ignite's run one of its completions now: while none does, no other thread needs
     * to look at {@link #IN_COMPLETION}. Asked per call by callers whose thread-local maps Ignite crowds, that lookup
     * was 3% of the client's CPU at 16 callers.
     */
    private static final AtomicInteger FOREIGN_COMPLETIONS = new AtomicInteger();
    /**
     * Ignite's async continuation executor: runs completions on the thread that has the answer (Ignite's network
     * thread), as Ignite's own blocking calls do. With a pool here, every answer took one more thread hop (network
     * thread, pool thread, then the waiting caller), and at 64 callers on 2 cores the 2-thread pool was the
     * bottleneck: 22% less throughput and +39% p99 than the raw thin client. What runs inline is short and never
     * blocks: envelope decoding and accounting; the sync view decodes values on the caller's thread, the async view
     * hands results to {@link #callbacks}, and new network steps started from a completion go through {@link #io}
     * ({@link ClientCore#attempt}). {@link BlockingThreadsOnlyRetryPolicy} keeps Ignite's own failover (which may
     * connect and wait) off this thread. No view calls Ignite's blocking API on a caller's thread: such calls did not
     * return for over a minute after kill -9 and restart of one node (issue #13).
     */
    static final Executor INLINE = r -> {
        if (Thread.currentThread() instanceof IgniteThread) {
            r.run(); // Ignite's own threads are always taken as in a completion (inCompletion)
            return;
        }
        FOREIGN_COMPLETIONS.incrementAndGet();
        boolean[] flag = IN_COMPLETION.get();
        boolean outer = flag[0];
        flag[0] = true;
        try {
            r.run();
        } finally {
            flag[0] = outer;
            FOREIGN_COMPLETIONS.decrementAndGet();
        }
    };

    /** Sends network steps: Ignite's async calls may block (a partition map fetch, a reconnect's handshake). */
    final ThreadPoolExecutor io;
    /** Runs the async view's completions, so user callbacks never run on Ignite's network thread. */
    final ThreadPoolExecutor callbacks;
    /** Runs loaders (getOrLoad), bounded in threads and in queued loads. */
    final ThreadPoolExecutor loads;
    /** Deadline timers, retry back-offs and log lines that must not delay a caller; its tasks never block. */
    final ScheduledThreadPoolExecutor scheduler;

    ClientThreads(int ioThreads, int callbackThreads, int maxConcurrentLoads, int maxQueuedLoads) {
        this.io = pool("hearth-io", ioThreads, new ArrayBlockingQueue<>(65_536), ThreadKind.MAY_BLOCK);
        this.callbacks = pool("hearth-callback", callbackThreads, new LinkedBlockingQueue<>(), ThreadKind.CALLBACK);
        this.loads = pool("hearth-load", maxConcurrentLoads, new ArrayBlockingQueue<>(maxQueuedLoads),
                ThreadKind.OTHER);
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonFactory("hearth-scheduler", ThreadKind.OTHER));
        this.scheduler.setRemoveOnCancelPolicy(true);
    }

    /** Stops the timers, the io and load pools at once; the callback pool finishes the completions it holds. */
    void shutdown() {
        scheduler.shutdownNow();
        io.shutdownNow();
        loads.shutdownNow();
        callbacks.shutdown();
    }

    /**
     * Whether this thread runs one of Ignite's completions (see {@link #INLINE}); true on any of Ignite's threads
     * (its network threads run the completions), which never send nor wait.
     */
    static boolean inCompletion() {
        return Thread.currentThread() instanceof IgniteThread
                || FOREIGN_COMPLETIONS.get() != 0 && IN_COMPLETION.get()[0];
    }

    /** Whether the current thread is one of the client's threads of {@code kind}. */
    static boolean currentIs(ThreadKind kind) {
        return Thread.currentThread() instanceof HearthThread t && t.kind == kind;
    }

    /** What a client thread is for: code asks its own thread's class, not a (slow) thread-local. */
    enum ThreadKind {
        /** Runs user callbacks of the async view. */
        CALLBACK,
        /** May wait on the network (connect, handshake): Ignite's failover may run here. */
        MAY_BLOCK,
        /** Timers and loaders. */
        OTHER
    }

    /** A daemon thread that knows its {@link ThreadKind}. */
    static final class HearthThread extends Thread {
        final ThreadKind kind;

        HearthThread(Runnable r, String name, ThreadKind kind) {
            super(r, name);
            this.kind = kind;
            setDaemon(true);
        }
    }

    /** Daemon threads of {@code kind} named {@code prefix-1}, {@code prefix-2}, ... */
    static ThreadFactory daemonFactory(String prefix, ThreadKind kind) {
        AtomicInteger n = new AtomicInteger();
        return r -> new HearthThread(r, prefix + "-" + n.incrementAndGet(), kind);
    }

    /** A fixed-size pool whose idle threads end after 30 s, so an idle client holds no threads. */
    private static ThreadPoolExecutor pool(String prefix, int threads, BlockingQueue<Runnable> queue,
            ThreadKind kind) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, queue,
                daemonFactory(prefix, kind));
        p.allowCoreThreadTimeOut(true);
        return p;
    }
}
