package dev.hearth.node.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code stats detail on|off|dump} in the text and binary protocols against real memcached 1.6. memcached lists
 * prefixes in its hash table's order and Hearth sorted, so the PREFIX lines of a dump are sorted before comparing.
 * Both keep this state per process (memcached) or per listener (Hearth), and these tests are its only users: each
 * starts and ends with "stats reset" and detail off.
 */
@Timeout(300)
class StatsDetailDifferentialClusterTest extends DifferentialFixture {
    private static final Pattern TEXT_RUN = Pattern.compile("((?:PREFIX [^\r\n]*\r\n)+)END");
    private static final String BINARY_EOL = "\\x0d\\x0a";
    private static final Pattern BINARY_RUN = Pattern.compile(
            "((?:PREFIX (?:(?!" + Pattern.quote(BINARY_EOL) + ").)*" + Pattern.quote(BINARY_EOL) + ")+)END");

    /** Sorts each run of PREFIX lines; {@code eol} is how a line end appears in {@code answer}. */
    static String sortPrefixes(String answer, Pattern run, String eol) {
        Matcher m = run.matcher(answer);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            List<String> lines = new ArrayList<>(Arrays.asList(m.group(1).split(Pattern.quote(eol))));
            lines.sort(null);
            String sorted = lines.stream().map(l -> l + eol).collect(Collectors.joining()) + "END";
            m.appendReplacement(out, Matcher.quoteReplacement(sorted));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void sameText(String... steps) throws IOException {
        List<String> list = List.of(steps);
        List<String> expected = Differential.run(memcached.port, list);
        List<String> actual = Differential.run(hearth.memcachedPort(0), list);
        for (int i = 0; i < list.size(); i++) {
            assertEquals(Differential.show(sortPrefixes(expected.get(i), TEXT_RUN, "\r\n")),
                    Differential.show(sortPrefixes(actual.get(i), TEXT_RUN, "\r\n")),
                    "step " + i + ": " + Differential.show(list.get(i)));
        }
    }

    private static void sameBinary(byte[]... steps) throws IOException {
        List<byte[]> list = List.of(steps);
        List<String> expected = BinaryDifferentialClusterTest.run(memcached.port, list);
        List<String> actual = BinaryDifferentialClusterTest.run(hearth.memcachedPort(0), list);
        for (int i = 0; i < list.size(); i++) {
            assertEquals(sortPrefixes(expected.get(i), BINARY_RUN, BINARY_EOL),
                    sortPrefixes(actual.get(i), BINARY_RUN, BINARY_EOL), "step " + i);
        }
    }

    private static byte[] stat(String key) {
        return BinaryDifferentialClusterTest.get(Binary.STAT, key);
    }

    @Test
    void textOnOffDump() throws IOException {
        String big = "v".repeat(2 * 1024 * 1024);
        sameText("stats reset\r\n", "stats detail\r\n", "stats detail foo\r\n", "stats detail DUMP\r\n",
                "stats detail dump\r\n", "set sd:a 0 0 1\r\nx\r\n", "get sd:a\r\n", "stats detail dump\r\n",
                "stats detail on\r\n",
                // counted: every classic storage command (whatever its outcome), get/gets/gat/gats per key, delete
                "set sd:a 0 0 1\r\nx\r\n", "add sd:a 0 0 1\r\nx\r\n", "replace sd:b 0 0 1\r\nx\r\n",
                "append sd:a 0 0 1\r\ny\r\n", "prepend sd:a 0 0 1\r\ny\r\n", "cas sd:a 0 0 1 1\r\nz\r\n",
                "get sd:a sd:b other:c nocolon\r\n", "gets sd:a\r\n", "gat 0 sd:a\r\n", "gats 0 sd:zz other:c\r\n",
                "delete sd:a\r\n", "delete other:c\r\n", "delete nocolon\r\n",
                // not counted: touch, incr/decr and the meta commands
                "touch sd:a 0\r\n", "incr sd:n 1\r\n", "decr sd:n 1\r\n", "ms mt:a 1\r\nx\r\n", "mg mt:a v\r\n",
                "ma mt:a\r\n", "md mt:a\r\n",
                // the prefix is the key as sent, up to the first ':' (tenant prefix included, or not a tenant)
                "set :x 0 0 1\r\ny\r\n", "get :x\r\n", "set a:b:c 0 0 1\r\ny\r\n", "set Not!A.Tenant:k 0 0 1\r\nz\r\n",
                "set shop-42:user:1 0 0 1\r\nv\r\n", "get shop-42:user:1\r\n",
                // refused sets count too, as memcached counts the command line
                "set sd:big 0 0 " + big.length() + "\r\n" + big + "\r\n", "set sd:bad 0 0 1\r\nxyz\r\n",
                "set sd:q 0 0 1 noreply\r\nx\r\n", "stats detail dump\r\n",
                // on with extra tokens, then off: counters stay, nothing more is counted
                "stats detail on extra\r\n", "stats detail off\r\n", "get sd:a\r\n", "delete sd:a\r\n",
                "stats detail dump\r\n", "stats detail dump extra\r\n", "stats  detail   dump\r\n",
                "stats reset\r\n", "stats detail dump\r\n");
    }

    @Test
    void pipelinedCommandsAreCountedInOrder() throws IOException {
        sameText("stats reset\r\n", "stats detail on\r\nset pl:a 0 0 1\r\na\r\nget pl:a pl:b\r\nstats detail off\r\n"
                + "get pl:a\r\nstats detail dump\r\nstats detail on\r\ndelete pl:a\r\nstats detail dump\r\n"
                + "stats detail off\r\nstats reset\r\n");
    }

    @Test
    void binaryOnOffDump() throws IOException {
        String big = "v".repeat(2 * 1024 * 1024);
        sameBinary(stat("reset"), stat("detail dump"), stat("detail on"),
                BinaryDifferentialClusterTest.set(Binary.SET, "bd:k", "v", 0, 0, 0),
                BinaryDifferentialClusterTest.set(Binary.ADDQ, "bd:k", "v", 0, 0, 0),
                BinaryDifferentialClusterTest.set(Binary.REPLACE, "bd:none", "v", 0, 0, 0),
                BinaryDifferentialClusterTest.frame(Binary.APPEND, new byte[0], "bd:k", "+", 0),
                BinaryDifferentialClusterTest.frame(Binary.PREPENDQ, new byte[0], "bd:k", "-", 0),
                BinaryDifferentialClusterTest.get(Binary.GET, "bd:k"), BinaryDifferentialClusterTest.get(Binary.GETK, "bd:none"),
                BinaryDifferentialClusterTest.get(Binary.GETQ, "bx:none"), BinaryDifferentialClusterTest.get(Binary.GETKQ, "bd:k"),
                // touch and get-and-touch count as gets in memcached's binary protocol (not in its text protocol)
                BinaryDifferentialClusterTest.touch(Binary.TOUCH, "bd:k", 0), BinaryDifferentialClusterTest.touch(Binary.GAT,
                        "bd:none", 0), BinaryDifferentialClusterTest.touch(Binary.GATKQ, "bd:k", 0),
                BinaryDifferentialClusterTest.incr(Binary.INCREMENT, "bd:n", 1, 0, 0),
                BinaryDifferentialClusterTest.set(Binary.SET, "bd:big", big, 0, 0, 0),
                BinaryDifferentialClusterTest.frame(Binary.APPEND, new byte[0], "bd:k",
                        big.getBytes(StandardCharsets.US_ASCII), 7, 0),
                BinaryDifferentialClusterTest.get(Binary.DELETE, "bd:k"), BinaryDifferentialClusterTest.get(Binary.DELETEQ, "bd:k"),
                BinaryDifferentialClusterTest.set(Binary.SET, "nocolon", "v", 0, 0, 0), stat("detail dump"),
                stat("detail foo"), stat("detailed"), stat("detail offx"),
                BinaryDifferentialClusterTest.get(Binary.GET, "bd:k"), stat("detail dump"), stat("detail onx"),
                BinaryDifferentialClusterTest.get(Binary.GET, "bd:k"), stat("detail dump"), stat("detail off"),
                stat("resetx"), stat("detail dump"));
    }

    @Test
    void binaryDetailWithoutAWordIsUnknown() throws IOException {
        // memcached reads past the key here (whatever the next frame's bytes are), so this is Hearth's alone.
        List<String> answer = BinaryDifferentialClusterTest.run(hearth.memcachedPort(0), List.of(stat("detail")));
        assertEquals("81100000000000010000000901020304 cas=0 body=Not found\n", answer.get(0));
    }

    @Test
    void theNumberOfPrefixesIsCapped() throws IOException {
        int port = hearth.memcachedPort(0);
        int extra = 76;
        StringBuilder get = new StringBuilder("get");
        for (int i = 0; i < PrefixStats.MAX_PREFIXES + extra; i++) {
            get.append(" cap").append(i).append(":k");
        }
        List<String> answers = Differential.run(port, List.of("stats reset\r\n", "stats detail on\r\n",
                get + "\r\n", "get cap0:k cap9999:k\r\n", "stats detail dump\r\n", "stats\r\n",
                "stats detail off\r\n", "stats reset\r\n", "stats\r\n"));
        String dump = answers.get(4);
        assertEquals(PrefixStats.MAX_PREFIXES, dump.split("\r\n").length - 1, "PREFIX lines");
        assertTrue(dump.contains("PREFIX cap0 get 2 hit 0 set 0 del 0\r\n"), "a tracked prefix goes on counting");
        assertTrue(!dump.contains("PREFIX cap9999 "), "no new prefix past the cap");
        assertTrue(answers.get(5).contains("STAT hearth_detail_prefixes " + PrefixStats.MAX_PREFIXES + "\r\n"),
                answers.get(5));
        assertTrue(answers.get(5).contains("STAT hearth_detail_untracked " + (extra + 1) + "\r\n"), answers.get(5));
        assertTrue(answers.get(8).contains("STAT hearth_detail_prefixes 0\r\n"), "stats reset forgets them");
        assertTrue(answers.get(8).contains("STAT hearth_detail_untracked 0\r\n"), answers.get(8));
    }

    @Test
    void settingsShowWhetherDetailIsOn() throws IOException {
        for (int port : List.of(memcached.port, hearth.memcachedPort(0))) {
            List<String> answers = Differential.run(port, List.of("stats detail on\r\n", "stats settings\r\n",
                    "stats detail off\r\n", "stats settings\r\n"));
            assertTrue(answers.get(1).contains("STAT detail_enabled yes\r\n"), "port " + port);
            assertTrue(answers.get(3).contains("STAT detail_enabled no\r\n"), "port " + port);
        }
        // binary: the same counters, switched from the other protocol
        byte[] on = stat("detail on");
        assertEquals(BinaryDifferentialClusterTest.run(memcached.port, List.of(on)),
                BinaryDifferentialClusterTest.run(hearth.memcachedPort(0), List.of(on)));
        assertEquals(List.of("STAT detail_enabled yes"), Differential.run(hearth.memcachedPort(0),
                List.of("stats settings\r\n")).get(0).lines().filter(l -> l.startsWith("STAT detail_")).toList());
        sameText("stats detail off\r\n");
    }
}
