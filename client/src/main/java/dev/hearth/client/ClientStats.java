package dev.hearth.client;

/**
 * An immutable snapshot of a client's counters since it was built ({@link HearthClient#stats()}). Counters only
 * grow; subtract two snapshots to get a rate.
 *
 * @param hits reads that found a live value (get, getAll per key, gets, getOrLoad; near cache hits included)
 * @param misses reads that found nothing (absent, expired or damaged)
 * @param loads {@code getOrLoad} loader calls that returned (a null result included)
 * @param loadFailures loader calls that threw, or could not start because the load queue was full
 * @param timeouts operations that failed because their deadline passed
 * @param errors operations that failed for any other reason (connection, server or codec errors); rejections by the
 *     open circuit are not counted here but in {@code rejected}
 * @param rejected operations refused at once because the circuit was open, the tenant unavailable (or in
 *     maintenance in mode {@code reject}), or the registry not yet read
 * @param retries attempts repeated within an operation's deadline after a retriable failure
 * @param coalesced {@code getOrLoad} calls that joined a lookup already in flight for the same key
 * @param bypassed operations of a tenant in maintenance (registry state, mode {@code miss}) answered without the
 *     cache: reads missed, writes dropped; also {@code getOrLoad} calls that went straight to the loader because the
 *     tenant was in maintenance or unavailable
 * @param registryRefreshes successful readings of the tenant registry
 * @param registryRefreshFailures failed readings of the tenant registry (the previous reading stays in use)
 * @param registryAgeMillis how old the reading in use is, in ms; -1 if the registry was never read
 * @param circuitState the circuit breaker's state when the snapshot was taken
 * @param latency latency of cache operations (successful or not; rejected ones excluded), in microseconds
 * @param readFailovers reads (steps of reads) whose primary copy had not answered within
 *     {@code readFailoverAfter}, and that were therefore also sent to the other nodes
 * @param readFailoverAnswers of those, the ones answered by another node first
 * @param writesRefused true while writes are refused because the registry reading in use is older than
 *     {@code maxRegistryAge} (the nodes holding the registry do not answer): reads still work, writes fail at once
 * @param sentFromCaller gets and puts sent from the caller's own thread, straight on the primary's connection,
 *     rather than from an io thread ({@code sendFromCaller}, on by default)
 */
public record ClientStats(
        long hits,
        long misses,
        long loads,
        long loadFailures,
        long timeouts,
        long errors,
        long rejected,
        long retries,
        long coalesced,
        long bypassed,
        long registryRefreshes,
        long registryRefreshFailures,
        long registryAgeMillis,
        CircuitState circuitState,
        LatencySnapshot latency,
        long readFailovers,
        long readFailoverAnswers,
        boolean writesRefused,
        long sentFromCaller) {

    /** Whether every operation is being served: the circuit is closed and writes are not refused. */
    public boolean healthy() {
        return circuitState == CircuitState.CLOSED && !writesRefused;
    }

    /** hits / (hits + misses), or 1.0 when there was no read. */
    public double hitRate() {
        long reads = hits + misses;
        return reads == 0 ? 1.0 : (double) hits / reads;
    }
}
