package dev.hearth.client.internal;

/**
 * How the runner ({@link ClientCore#run}) delivers an operation's result. Each operation is described once (in
 * {@link AsyncTenantCacheImpl}); the sync and async views run the same description in different modes.
 */
enum ExecutionMode {
    /**
     * The caller blocks on the result ({@link SyncTenantCacheImpl}), which bounds the wait itself: no deadline timer
     * is scheduled (the work still stops at the deadline: attempts check it, and Ignite's request timeout is at most
     * the default deadline), and the result completes on the thread that completed the work (often Ignite's network
     * thread), which wakes the caller directly: the caller must not attach code that blocks or runs user code.
     */
    CALLER_WAITS,
    /**
     * The result is failed by a timer at the deadline if the work has not answered, and completes on a callback
     * thread ({@link ClientThreads#callbacks}), where user code may run.
     */
    ASYNC
}
