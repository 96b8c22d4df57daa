package dev.hearth.node.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PrefixStatsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String dump(PrefixStats p) {
        return new String(p.dump(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void countsOnlyWhileOnAndOnlyKeysWithTheDelimiter() {
        PrefixStats p = new PrefixStats(10);
        p.recordSet(b("a:1"));
        assertEquals("END\r\n", dump(p), "off until turned on");
        p.enable(true);
        p.recordSet(b("b:1"));
        p.recordGet(b("b:2:3"), true);
        p.recordGet(b("b:"), false);
        p.recordDelete(b("b"));
        p.recordSet(b("nocolon"));
        p.recordSet(b("x\0y:1")); // memcached's C string ends at the NUL, before the delimiter
        p.recordSet(b(":1"));
        p.recordGet(b("\u00e9t\u00e9:k"), true);
        p.enable(false);
        p.recordSet(b("b:1"));
        assertEquals("PREFIX  get 0 hit 0 set 1 del 0\r\n" + "PREFIX b get 2 hit 1 set 1 del 0\r\n"
                + "PREFIX \u00e9t\u00e9 get 1 hit 1 set 0 del 0\r\n" + "END\r\n", dump(p),
                "sorted by the prefix's bytes, written back as sent");
    }

    @Test
    void pastTheCapNewPrefixesAreOnlyCountedAsUntracked() {
        PrefixStats p = new PrefixStats(2);
        p.enable(true);
        p.recordSet(b("a:1"));
        p.recordSet(b("b:1"));
        p.recordSet(b("c:1"));
        p.recordGet(b("d:1"), false);
        p.recordDelete(b("a:1"));
        assertEquals(2, p.size());
        assertEquals(2, p.untracked());
        assertEquals("PREFIX a get 0 hit 0 set 1 del 1\r\nPREFIX b get 0 hit 0 set 1 del 0\r\nEND\r\n", dump(p));
        p.clear();
        assertEquals(0, p.size());
        assertEquals(0, p.untracked());
        p.recordSet(b("c:1"));
        assertEquals("PREFIX c get 0 hit 0 set 1 del 0\r\nEND\r\n", dump(p), "room again after a reset");
    }
}
