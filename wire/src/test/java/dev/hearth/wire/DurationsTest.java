package dev.hearth.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DurationsTest {
    @Test
    void readsEveryUnitAndWritesTheLargestExactOne() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(2), Durations.parse(" 2 s "));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals("1h", Durations.format(Duration.ofMinutes(60)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("0s", Durations.format(Duration.ZERO));
        for (String d : new String[] {"500ms", "2s", "5m", "1h", "90s"}) {
            assertEquals(d, Durations.format(Durations.parse(d)), "round trip of " + d);
        }
    }

    @Test
    void refusesWhatIsNotOneWithTheValueInTheMessage() {
        for (String bad : new String[] {"", "5", "5 fortnights", "-1s", "PT5M", "1.5s", "99999999999999999999s"}) {
            assertEquals(Optional.empty(), Durations.tryParse(bad), bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertEquals(Optional.empty(), Durations.tryParse(null));
    }
}
