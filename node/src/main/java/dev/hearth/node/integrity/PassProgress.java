package dev.hearth.node.integrity;

import java.util.LinkedHashMap;
import java.util.Map;
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

    public Map<String, Object> toMap() {
        double secs = Math.max((System.nanoTime() - startNanos) / 1e9, 0.001);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zone", zone);
        m.put("entriesDone", entriesDone.get());
        m.put("entriesTotal", entriesTotal.get());
        m.put("partitionsDone", partitionsDone.get());
        m.put("partitionsTotal", partitionsTotal.get());
        long pt = partitionsTotal.get();
        m.put("percent", pt == 0 ? 0.0 : Math.round(1000.0 * partitionsDone.get() / pt) / 10.0);
        m.put("bytes", bytes.get());
        m.put("entriesPerSecond", Math.round(entriesDone.get() / secs));
        m.put("mbPerSecond", Math.round(bytes.get() / 1e6 / secs * 10) / 10.0);
        m.put("elapsedMillis", Math.round(secs * 1000));
        return m;
    }
}
