package dev.hearth.node.ignite;

import java.util.concurrent.CompletableFuture;
import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.internal.IgniteInternalFuture;
import org.apache.ignite.internal.util.typedef.internal.CU;
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

    /**
     * As {@link #toCompletable(IgniteFuture)} for Ignite's internal API, whose failures are translated as its public
     * cache API translates them.
     */
    static <T> CompletableFuture<T> toCompletable(IgniteInternalFuture<T> f) {
        CompletableFuture<T> cf = new CompletableFuture<>();
        f.listen(done -> {
            try {
                cf.complete(done.get());
            } catch (IgniteCheckedException e) {
                cf.completeExceptionally(CU.convertToCacheException(e));
            } catch (Throwable t) {
                cf.completeExceptionally(t);
            }
        });
        return cf;
    }
}
