package dev.hearth.cli.bench;

import java.util.SplittableRandom;

/**
 * One thread's connection to the system under test. {@link #batch} issues {@code n} operations (pipelined where
 * the target can) and returns when all are answered; a driver is used by one thread only.
 */
interface Driver extends AutoCloseable {
    void load(Workload w, int from, int to) throws Exception;

    /** @return operations that failed */
    int batch(Workload w, SplittableRandom rnd, int n) throws Exception;

    @Override
    void close() throws Exception;
}
