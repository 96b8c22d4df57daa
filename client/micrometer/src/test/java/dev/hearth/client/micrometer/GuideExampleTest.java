package dev.hearth.client.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hearth.client.HearthClient;
import dev.hearth.testing.DocExamples;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/client.md's hearth-micrometer example is {@link #example}'s code, which compiles. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuideExampleTest {
    @SuppressWarnings("unused")
    static void example(MeterRegistry meterRegistry) {
        HearthMetrics metrics = new HearthMetrics();
        HearthClient client = HearthClient.builder().addresses("10.0.0.1:10800").addListener(metrics).build();
        metrics.monitor(client).bindTo(meterRegistry);
    }

    @Test
    void theGuidesMicrometerExampleCompiles() {
        Path root = DocExamples.root();
        assertEquals(List.of(), DocExamples.missing(root.resolve("docs/client.md"),
                block -> block.contains("HearthMetrics"),
                root.resolve("client/micrometer/src/test/java/dev/hearth/client/micrometer/GuideExampleTest.java")));
    }
}
