package dev.hearth.node.memcached;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Keeps one connection's commands in memcached's order of effect while still overlapping reads: a read starts once
 * every earlier write has completed, and a write (or flush) once every earlier command has. So a pipelined
 * "set k; get k" always sees the set, and "get k; set k" never sees it, yet a run of gets goes out in parallel.
 * Called on the connection's event loop only, and starts every command there.
 */
final class Sequencer {
    private CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);
    private CompletableFuture<?> all = CompletableFuture.completedFuture(null);

    /**
     * Starts {@code command} now if nothing it must wait for is pending, else once that completes, on {@code loop}:
     * the completion comes from whichever thread finished the earlier command, often one of Ignite's striped
     * threads, which must not be the one to start the next cache operation (see IgniteCacheService.OFF_STRIPE).
     */
    CompletableFuture<?> submit(boolean write, Executor loop, Supplier<CompletableFuture<?>> command) {
        CompletableFuture<?> start = write ? all : lastWrite;
        CompletableFuture<?> answer;
        if (start.isDone()) {
            answer = safely(command);
        } else {
            answer = start.handle((r, e) -> null).thenComposeAsync(v -> safely(command), loop);
        }
        CompletableFuture<?> done = answer.handle((r, e) -> null);
        if (write) {
            lastWrite = done;
            all = done;
        } else {
            all = all.isDone() ? done : CompletableFuture.allOf(all, done);
        }
        return answer;
    }

    private static CompletableFuture<?> safely(Supplier<CompletableFuture<?>> command) {
        try {
            return command.get();
        } catch (RuntimeException | LinkageError e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
