package dev.hearth.node.ignite;

import java.util.concurrent.CompletableFuture;
import org.apache.ignite.lang.IgniteFuture;

final class IgniteFutures {
    private IgniteFutures() {
    }

    /** Bridges without blocking: the returned future completes on the thread that completes Ignite's. */
    static <T> CompletableFuture<T> toCompletable(IgniteFuture<T> f) {
        CompletableFuture<T> cf = new CompletableFuture<>();
        f.listen(done -> {
            try {
                cf.complete(done.get());
            } catch (Throwable t) {
                cf.completeExceptionally(t);
            }
        });
        return cf;
    }
}
