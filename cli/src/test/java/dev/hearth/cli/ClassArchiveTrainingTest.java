package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The class-data archive's training still takes the paths a status call takes: if the bundled /status document no
 * longer reads as a healthy node, the archive would be recorded from error paths only, and every status call would
 * load its classes again.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ClassArchiveTrainingTest {
    @Test
    void everyTrainingCallEndsAsExpected() throws Exception {
        assertEquals(List.of(), ClassArchiveTraining.run());
    }
}
