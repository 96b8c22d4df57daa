package dev.hearth.node.ignite;

import java.util.HashMap;
import java.util.Map;
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

    /**
     * The keys' answers gathered into one map of those found (a null answer is left out), once all are in; failed
     * if any answer failed.
     */
    static <K, V> CompletableFuture<Map<K, V>> allFound(Map<K, CompletableFuture<V>> each) {
        return CompletableFuture.allOf(each.values().toArray(new CompletableFuture<?>[0])).thenApply(x -> {
            Map<K, V> found = new HashMap<>();
            each.forEach((k, f) -> {
                V v = f.join();
                if (v != null) {
                    found.put(k, v);
                }
            });
            return found;
        });
    }
}
