package dev.hearth.node.integrity;

import dev.hearth.wire.admin.JobProgress;
import java.util.concurrent.atomic.AtomicLong;

/** Progress of verify passes, readable while they run. */
public final class PassProgress {
    final AtomicLong entriesDone = new AtomicLong();
    final AtomicLong entriesTotal = new AtomicLong();
    final AtomicLong partitionsDone = new AtomicLong();
    final AtomicLong partitionsTotal = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    private final long startNanos = System.nanoTime();
    volatile String zone;

    public long entriesDone() {
        return entriesDone.get();
    }

    public JobProgress snapshot() {
        double secs = Math.max((System.nanoTime() - startNanos) / 1e9, 0.001);
        long pt = partitionsTotal.get();
        return new JobProgress(zone, entriesDone.get(), entriesTotal.get(), partitionsDone.get(), pt,
                pt == 0 ? 0.0 : Math.round(1000.0 * partitionsDone.get() / pt) / 10.0, bytes.get(),
                Math.round(entriesDone.get() / secs), Math.round(bytes.get() / 1e6 / secs * 10) / 10.0,
                Math.round(secs * 1000));
    }
}
