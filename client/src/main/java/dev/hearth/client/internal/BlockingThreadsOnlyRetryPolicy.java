package dev.hearth.client.internal;

import dev.hearth.client.internal.ClientThreads.ThreadKind;
import org.apache.ignite.client.ClientRetryPolicy;
import org.apache.ignite.client.ClientRetryPolicyContext;

/**
 * Wraps the configured retry policy (Ignite's failover to another node within one call): it may run only on the
 * client's own threads that are allowed to block ({@link ThreadKind#MAY_BLOCK}: io, probe, registry). Failing over
 * may connect to node after node and wait for each handshake: on a caller's thread that runs far past a deadline when
 * every node is gone, and on Ignite's network thread (inside a completion, {@link ClientThreads#INLINE}) it waits for
 * a handshake that only that same thread can read. Refused, the failure reaches {@link ClientCore#attempt}'s failure
 * handling, which retries idempotent steps from the io threads within the deadline, as for every other lost answer.
 * Decided by the thread's class, not a thread-local flag: the lookup would run on every call, and on threads Ignite
 * has used it is slow (its many thread-locals crowd the map).
 */
final class BlockingThreadsOnlyRetryPolicy implements ClientRetryPolicy {
    private final ClientRetryPolicy delegate;

    /** @param delegate the configured policy; null retries nothing */
    BlockingThreadsOnlyRetryPolicy(ClientRetryPolicy delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean shouldRetry(ClientRetryPolicyContext context) {
        return ClientThreads.currentIs(ThreadKind.MAY_BLOCK) && !ClientThreads.inCompletion() && delegate != null
                && delegate.shouldRetry(context);
    }
}
