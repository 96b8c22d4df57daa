package dev.hearth.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class TimelineTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void countsRequestsSlowOnesAndTheSlowestPerWindowAcrossThreads(@TempDir Path dir) throws Exception {
        long start = 1_000_000 * MS;
        Timeline a = new Timeline(start, 1);
        Timeline b = new Timeline(start, 1);
        a.record(start, MS, 1);                 // window 0, fast
        a.record(start + 50 * MS, 3 * MS, 2);   // window 0, slow, a pipelined batch of 2
        b.record(start + 99 * MS, 7 * MS, 1);   // window 0, slow, the slowest
        b.record(start + 100 * MS, 2 * MS, 1);  // window 1, exactly 2 ms is not over
        b.record(start - 1, 500 * MS, 1);       // before the window: not counted
        b.record(start + 1001 * MS, MS, 1);     // past the last window: not counted
        a.add(b);
        Path csv = dir.resolve("t.csv");
        a.append(csv, "thin/16/1", 5_000);
        a.append(csv, "thin/16/1", 5_000);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("run,window_start_epoch_ms,requests,over_2ms,max_ms", lines.get(0));
        assertEquals(1 + 2 * 10, lines.size(), "one header, then 10 windows of 100 ms per append");
        assertEquals("thin/16/1,5000,4,3,7.000", lines.get(1));
        assertEquals("thin/16/1,5100,1,0,2.000", lines.get(2));
        assertEquals("thin/16/1,5200,0,0,0.000", lines.get(3));
        assertTrue(a.concentration().startsWith("3 of 5 requests over 2 ms; the worst tenth of the 100 ms windows "
                + "held 100% of them"), a.concentration());
    }
}
