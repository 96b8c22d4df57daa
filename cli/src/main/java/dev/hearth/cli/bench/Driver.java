package dev.hearth.cli.bench;

/**
 * One thread's connection to the system under test. {@link #batch} issues {@code n} operations (pipelined where
 * the target can) and returns when all are answered; a driver is used by one thread only. The caller draws the
 * operations ({@link Workload#draw}), so that it knows which were gets.
 */
interface Driver extends AutoCloseable {
    void load(Workload w, int from, int to) throws Exception;

    /**
     * Issues operation i of {@code n} on key {@code keys[i]}, a get where {@code gets[i]}, else a set.
     *
     * @return operations that failed
     */
    int batch(Workload w, int[] keys, boolean[] gets, int n) throws Exception;

    @Override
    void close() throws Exception;
}
