package dev.hearth.wire;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class KeyFilterTest {
    @Test
    void keepsOnlyTheGivenKeys() {
        KeyFilter<byte[]> f = new KeyFilter<>(List.of("t:a", "t:b"));
        assertTrue(f.apply("t:a", new byte[0]));
        assertTrue(f.apply("t:b", null));
        assertFalse(f.apply("t:c", new byte[0]));
        assertFalse(new KeyFilter<byte[]>().apply("t:a", null), "the marshaller's empty filter keeps nothing");
    }

    @Test
    void refusesAnEmptyKeySet() {
        assertThrows(IllegalArgumentException.class, () -> new KeyFilter<byte[]>(List.of()));
    }
}
