package dev.hearth.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TableTest {
    @Test
    void alignsColumnsAndTrimsTrailingBlanks() {
        String t = new Table("NODE", "READY", "WHY").row("n0", "yes", "").row("node-10", "no", "rebalancing")
                .row("n2", null, "x").render();
        assertEquals("NODE     READY  WHY\n"
                + "n0       yes\n"
                + "node-10  no     rebalancing\n"
                + "n2       -      x\n", t);
    }

    @Test
    void headerOnlyTable() {
        assertEquals("A  B\n", new Table("A", "B").render());
    }

    @Test
    void rejectsRowsOfTheWrongWidth() {
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("x"));
    }

    @Test
    void formatsDurationsAndBytes() {
        assertEquals("450ms", Durations.format(450));
        assertEquals("12.3s", Durations.format(12_300));
        assertEquals("3m05s", Durations.format(185_000));
        assertEquals("1h02m", Durations.format(3_720_000));
        assertEquals("512B", Bytes.format(512));
        assertEquals("96.0MiB", Bytes.format(96L << 20));
        assertEquals(java.time.Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(java.time.Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(java.time.Duration.ofSeconds(90), Durations.parse("PT90S"));
        assertEquals(java.time.Duration.ofMinutes(5), Durations.parse(" 5M "), "the node's syntax in either case");
        org.junit.jupiter.api.Assertions.assertTrue(assertThrows(picocli.CommandLine.TypeConversionException.class,
                () -> Durations.parse("5 fortnights")).getMessage().contains("'5 fortnights'"));
    }
}
