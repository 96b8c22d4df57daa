package dev.hearth.node.memcached;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Keeps one connection's commands in memcached's order of effect while still overlapping reads: a read starts once
 * every earlier write has completed, and a write (or flush) once every earlier command has. So a pipelined
 * "set k; get k" always sees the set, and "get k; set k" never sees it, yet a run of gets goes out in parallel.
 * Used on the connection's event loop only.
 */
final class Sequencer {
    private CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);
    private CompletableFuture<?> all = CompletableFuture.completedFuture(null);

    CompletableFuture<?> submit(boolean write, Supplier<CompletableFuture<?>> command) {
        CompletableFuture<?> start = write ? all : lastWrite;
        CompletableFuture<?> answer;
        if (start.isDone()) {
            answer = safely(command);
        } else {
            answer = start.handle((r, e) -> null).thenCompose(v -> safely(command));
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
