package dev.hearth.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ExhaustionLogTest {
    @TempDir
    Path dir;

    @Test
    void exitsAreKeptAcrossInstancesCountedPerKindAndBounded() throws Exception {
        new ExhaustionLog(dir).record("heap", "heap exhausted:\tG1 Old Gen\nholds 1 of 2 bytes");
        ExhaustionLog again = new ExhaustionLog(dir);
        again.record("direct", "direct exhausted");
        List<ExhaustionLog.Exit> exits = again.exits();
        assertEquals(List.of("heap", "direct"), exits.stream().map(ExhaustionLog.Exit::kind).toList());
        assertEquals("heap exhausted: G1 Old Gen holds 1 of 2 bytes", exits.get(0).message(),
                "one line per exit, whatever the message holds");
        assertEquals(Map.of("heap", 1L, "direct", 1L), ExhaustionLog.counts(exits));
        for (int i = 0; i < ExhaustionLog.KEEP + 5; i++) {
            again.record("heap", "n" + i);
        }
        assertEquals(ExhaustionLog.KEEP, again.exits().size());
        Files.writeString(dir.resolve(ExhaustionLog.FILE), "garbage\nheap\tnot-a-time\tx\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertEquals(ExhaustionLog.KEEP, again.exits().size(), "lines that do not parse are skipped");
    }
}
