package dev.hearth.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MutationTest {
    private static final long NOW = 1_000_000L;
    private static final int LIMIT = 1 << 20;

    private static Item item(String v, long version) {
        return new Item(v.getBytes(StandardCharsets.US_ASCII), 5, version, 0, false);
    }

    private static String text(Mutation.Outcome o) {
        return new String(o.item().value(), StandardCharsets.US_ASCII);
    }

    @Test
    void addOnlyWhenAbsentReplaceOnlyWhenPresent() {
        assertEquals(Mutation.Status.NOT_STORED, Mutation.add(new byte[] {1}, 0, 0).apply(item("x", 1), NOW, 2).status());
        Mutation.Outcome added = Mutation.add(new byte[] {1}, 9, 0).apply(null, NOW, 2);
        assertEquals(Mutation.Action.WRITE, added.action());
        assertEquals(9, added.item().flags());
        assertEquals(2, added.item().version());
        assertEquals(Mutation.Status.NOT_STORED, Mutation.replace(new byte[] {1}, 0, 0).apply(null, NOW, 2).status());
        assertEquals(Mutation.Status.STORED, Mutation.replace(new byte[] {1}, 0, 0).apply(item("x", 1), NOW, 2).status());
    }

    @Test
    void anExpiredItemCountsAsAbsent() {
        Item expired = new Item(new byte[] {1}, 0, 1, NOW - 1, false);
        assertEquals(Mutation.Status.STORED, Mutation.add(new byte[] {2}, 0, 0).apply(expired, NOW, 2).status());
        assertEquals(Mutation.Status.NOT_FOUND, Mutation.touch(0).apply(expired, NOW, 2).status());
    }

    @Test
    void casComparesVersions() {
        Item cur = item("x", 7);
        assertEquals(Mutation.Status.EXISTS, Mutation.cas(new byte[] {1}, 0, 0, 6).apply(cur, NOW, 8).status());
        assertEquals(Mutation.Status.NOT_FOUND, Mutation.cas(new byte[] {1}, 0, 0, 7).apply(null, NOW, 8).status());
        Mutation.Outcome ok = Mutation.cas(new byte[] {1}, 3, 0, 7).apply(cur, NOW, 8);
        assertEquals(Mutation.Status.STORED, ok.status());
        assertEquals(8, ok.item().version());
    }

    @Test
    void appendAndPrependKeepFlagsAndExpiry() {
        Item cur = new Item("mid".getBytes(StandardCharsets.US_ASCII), 5, 1, NOW + 5000, false);
        Mutation.Outcome a = Mutation.concat("-end".getBytes(StandardCharsets.US_ASCII), true, 0, LIMIT)
                .apply(cur, NOW, 2);
        assertEquals("mid-end", text(a));
        assertEquals(5, a.item().flags());
        assertEquals(NOW + 5000, a.item().expireAt());
        assertEquals("pre-mid", text(Mutation.concat("pre-".getBytes(StandardCharsets.US_ASCII), false, 0, LIMIT)
                .apply(cur, NOW, 2)));
        assertEquals(Mutation.Status.NOT_STORED,
                Mutation.concat(new byte[] {1}, true, 0, LIMIT).apply(null, NOW, 2).status());
        assertEquals(-1, Mutation.concat(new byte[] {1}, true, 0, LIMIT).newExpireAt(), "append keeps the TTL");
    }

    @Test
    void aConcatLongerThanTheLimitIsRefusedAndKeepsTheValue() {
        Item cur = new Item(new byte[3], 5, 1, NOW + 5000, false);
        byte[] part = new byte[600 * 1024];
        Mutation.Outcome grown = Mutation.concat(part, true, 0, LIMIT).apply(cur, NOW, 2);
        assertEquals(Mutation.Status.STORED, grown.status());
        for (boolean append : new boolean[] {true, false}) {
            Mutation.Outcome o = Mutation.concat(part, append, 0, LIMIT).apply(grown.item(), NOW, 3);
            assertEquals(Mutation.Status.NOT_STORED, o.status(), append ? "append" : "prepend");
            assertEquals(Mutation.Action.KEEP, o.action());
        }
        byte[] fill = new byte[LIMIT - 3];
        assertEquals(LIMIT, Mutation.concat(fill, true, 0, LIMIT).apply(cur, NOW, 2).item().value().length,
                "exactly the limit is allowed");
        assertEquals(Mutation.Status.EXISTS, Mutation.concat(part, true, 9, LIMIT).apply(grown.item(), NOW, 3)
                .status(), "a CAS mismatch answers first, as in memcached");
        for (char mode : new char[] {'A', 'P'}) {
            Mutation.Outcome o = Mutation.metaSet(mode, part, 0, 0, 0, 0, 0, LIMIT).apply(grown.item(), NOW, 3);
            assertEquals(Mutation.Status.NOT_STORED, o.status(), "ms M" + mode);
            assertEquals(Mutation.Action.KEEP, o.action());
        }
        assertEquals(Mutation.Status.STORED, Mutation.metaSet('A', part, 0, 0, 0, 0, 0, LIMIT).apply(cur, NOW, 2)
                .status());
        assertEquals(Mutation.Status.STORED, Mutation.concat(part, true, 0, 0).apply(grown.item(), NOW, 3).status(),
                "0 = no limit (a mutation from a node that predates the limit)");
    }

    @Test
    void incrWrapsAt64BitsAndDecrStopsAtZero() {
        assertEquals("0", text(Mutation.delta(1, false).apply(item("18446744073709551615", 1), NOW, 2)));
        assertEquals("18446744073709551615",
                text(Mutation.delta(-1L, false).apply(item("0", 1), NOW, 2)), "delta is unsigned");
        assertEquals("0", text(Mutation.delta(10, true).apply(item("3", 1), NOW, 2)));
        assertEquals("7", text(Mutation.delta(3, true).apply(item("10  ", 1), NOW, 2)), "trailing spaces allowed");
        assertEquals(Mutation.Status.NON_NUMERIC, Mutation.delta(1, false).apply(item("12a", 1), NOW, 2).status());
        assertEquals(Mutation.Status.NON_NUMERIC, Mutation.delta(1, false).apply(item("", 1), NOW, 2).status());
        assertEquals(Mutation.Status.NON_NUMERIC,
                Mutation.delta(1, false).apply(item("184467440737095516150", 1), NOW, 2).status());
        assertEquals(Mutation.Status.NOT_FOUND, Mutation.delta(1, false).apply(null, NOW, 2).status());
    }

    @Test
    void touchKeepsValueAndVersionDeleteHonoursCas() {
        Mutation.Outcome t = Mutation.touch(NOW + 10).apply(item("v", 4), NOW, 9);
        assertEquals(Mutation.Status.TOUCHED, t.status());
        assertEquals(4, t.item().version());
        assertEquals(NOW + 10, t.item().expireAt());
        assertArrayEquals("v".getBytes(StandardCharsets.US_ASCII), t.item().value());
        assertEquals(Mutation.Status.EXISTS, Mutation.delete(3).apply(item("v", 4), NOW, 9).status());
        Mutation.Outcome d = Mutation.delete(4).apply(item("v", 4), NOW, 9);
        assertEquals(Mutation.Action.REMOVE, d.action());
        assertEquals(Mutation.Status.NOT_FOUND, Mutation.delete(0).apply(null, NOW, 9).status());
    }
}
