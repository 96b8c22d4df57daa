package dev.hearth.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** /proc CPU times of a process: this test's own JVM, against what the JVM itself reports. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerCpuTest {
    @Test
    void readsTheProcessCpuTimeTheJvmReports() {
        ServerCpu cpu = new ServerCpu(List.of(ProcessHandle.current().pid()));
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long before = cpu.nanos();
        long jvmBefore = os.getProcessCpuTime();
        long x = 0;
        while (os.getProcessCpuTime() - jvmBefore < 300_000_000L) { // burn 0.3 s of CPU
            x += Long.numberOfTrailingZeros(System.nanoTime() | 1);
        }
        long spent = cpu.nanos() - before;
        long jvmSpent = os.getProcessCpuTime() - jvmBefore;
        assertTrue(x >= 0);
        // /proc counts in clock ticks (10 ms): within a few ticks of the JVM's own figure.
        assertTrue(Math.abs(spent - jvmSpent) < 60_000_000L, "proc " + spent + " ns, jvm " + jvmSpent + " ns");
    }

    @Test
    void noPidsMeasuresNothingAndAMissingPidIsAnError() {
        assertEquals(-1, new ServerCpu(List.of()).nanos());
        assertThrows(IllegalStateException.class, () -> new ServerCpu(List.of(Long.MAX_VALUE)).nanos());
    }
}
