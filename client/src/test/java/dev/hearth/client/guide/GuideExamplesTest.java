package dev.hearth.client.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.testing.DocExamples;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/client.md's hearth-client examples are GuideExamples' code, which compiles. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuideExamplesTest {
    @Test
    void everyLineOfTheGuidesClientExamplesCompiles() {
        Path root = DocExamples.root();
        List<String> missing = DocExamples.missing(root.resolve("docs/client.md"),
                block -> !block.contains("HearthMetrics") && !block.contains("CachingProvider"),
                root.resolve("client/src/test/java/dev/hearth/client/guide/GuideExamples.java"));
        assertEquals(List.of(), missing, "lines of docs/client.md's examples that GuideExamples lacks");
    }
}
