package dev.hearth.node.health;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Heap exhaustion seen coming: when the old generation is still more than {@code threshold} of the heap after a
 * collection (the figure the JVM reports after each full or mixed collection, so a burst of garbage does not count),
 * {@code onExhausted} gets a message with the figures, once. The node then leaves on its own terms: the reason in its
 * log and in {@link ExhaustionLog}, its local copy written, a non-zero exit for the supervisor. An OutOfMemoryError
 * before that still ends the process at once ({@code -XX:+ExitOnOutOfMemoryError}), without the figures.
 */
public final class HeapWatch implements AutoCloseable {
    private final List<MemoryPoolMXBean> pools = new ArrayList<>();
    private final NotificationEmitter emitter = (NotificationEmitter) ManagementFactory.getMemoryMXBean();
    private final NotificationListener listener;
    private volatile boolean fired;

    /**
     * @param threshold share of the heap (0-1) the old generation may still hold after a collection
     * @param onExhausted called once, on a JVM notification thread, with the figures
     */
    public HeapWatch(double threshold, Consumer<String> onExhausted) {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            long max = p.getUsage().getMax();
            if (p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported() && max > 0
                    && (p.getName().contains("Old") || p.getName().contains("Tenured"))) {
                p.setCollectionUsageThreshold((long) (max * threshold));
                pools.add(p);
            }
        }
        listener = (Notification n, Object handback) -> {
            if (!MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(n.getType()) || fired) {
                return;
            }
            fired = true;
            MemoryNotificationInfo info = MemoryNotificationInfo.from((CompositeData) n.getUserData());
            onExhausted.accept(String.format("heap exhausted: %s holds %d of %d bytes (%.0f%%) after a collection "
                    + "(memory.heap; more than %.0f%%)", info.getPoolName(), info.getUsage().getUsed(),
                    info.getUsage().getMax(), 100.0 * info.getUsage().getUsed() / info.getUsage().getMax(),
                    100 * threshold));
        };
        emitter.addNotificationListener(listener, null, null);
    }

    /** Whether a pool is watched (a collector without an old generation pool has none). */
    public boolean watching() {
        return !pools.isEmpty();
    }

    @Override
    public void close() {
        try {
            emitter.removeNotificationListener(listener);
        } catch (ListenerNotFoundException e) {
            // Never added: nothing to undo.
        }
    }
}
