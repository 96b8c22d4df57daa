package dev.hearth.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two drivers in alternating slices: each side gets its own operations, and its share of the "servers'" CPU (this
 * JVM's own pid stands in for the servers: its drivers burn CPU per operation, one twice as much as the other).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AlternatingTest {
    /** An operation that burns about {@code micros} of CPU on the calling thread. */
    private static Supplier<Driver> burning(long micros) {
        return () -> new Driver() {
            @Override
            public void load(Workload w, int from, int to) {
            }

            @Override
            public int batch(Workload w, int[] keys, boolean[] gets, int n) {
                var bean = java.lang.management.ManagementFactory.getThreadMXBean();
                long until = bean.getCurrentThreadCpuTime() + micros * 1_000;
                long x = 0;
                while (bean.getCurrentThreadCpuTime() < until) {
                    x += keys[0] % 3;
                }
                return x < 0 ? 1 : 0;
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void eachSideGetsItsOwnOperationsAndItsSlicesServerCpu() throws Exception {
        Workload w = new Workload(100, 10, 0.9);
        ServerCpu self = new ServerCpu(List.of(ProcessHandle.current().pid()));
        List<Alternating.Side> sides = new Alternating(w, 2, 0.2, 1.0, 0.1, self)
                .run(new String[] {"cheap", "dear"}, List.of(burning(200), burning(400)));
        Alternating.Side cheap = sides.get(0);
        Alternating.Side dear = sides.get(1);
        assertEquals("cheap", cheap.target());
        assertEquals(0, cheap.failed() + dear.failed());
        assertTrue(cheap.ops() > 0 && dear.ops() > 0, sides.toString());
        assertTrue(cheap.serverCpuNanos() > 0 && dear.serverCpuNanos() > 0, sides.toString());
        // Both sides burn the same CPU per second of slice; the dear one does half the operations with it. /proc
        // counts 10 ms ticks and the machine is shared: a wide band, but the wrong side would be 4x off.
        double cheapPerOp = cheap.serverCpuNanos() / (double) cheap.ops();
        double dearPerOp = dear.serverCpuNanos() / (double) dear.ops();
        assertTrue(dearPerOp > 1.2 * cheapPerOp, "per op: cheap " + cheapPerOp + " ns, dear " + dearPerOp + " ns");
    }

    @Test
    void withoutServerPidsEachSideSaysItDoesNotKnow() throws Exception {
        List<Alternating.Side> sides = new Alternating(new Workload(100, 10, 0.9), 1, 0, 0.2, 0.1,
                new ServerCpu(List.of())).run(new String[] {"a", "b"}, List.of(burning(50), burning(50)));
        assertEquals(-1, sides.get(0).serverCpuNanos());
        assertEquals(-1, sides.get(1).serverCpuNanos());
    }
}
