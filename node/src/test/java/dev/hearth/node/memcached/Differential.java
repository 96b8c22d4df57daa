package dev.hearth.node.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the same text/meta command sequence against real memcached and a Hearth node and compares the answers byte
 * for byte after one normalisation: CAS values (which legitimately differ) become CAS#1, CAS#2... in order of first
 * appearance. A step may use "${cas}", replaced by the last CAS value that server returned.
 */
final class Differential {
    private static final byte[] SENTINEL = "mn\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MN = "MN\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern VALUE_CAS = Pattern.compile("(VALUE \\S+ \\d+ \\d+) (\\d+)\r\n");
    private static final Pattern META_CAS = Pattern.compile("(?m)^((?:HD|VA|EN|NS|EX|NF)\\b[^\r\n]*? )c(\\d+)");

    /** A step starting with this is sent without the sentinel; the server must close the connection. */
    static final String EXPECT_CLOSE = "!close!";

    private Differential() {
    }

    /** The answers of one server to the steps, normalised. */
    static List<String> run(int port, List<String> steps) throws IOException {
        List<String> answers = new ArrayList<>();
        Map<String, String> casNames = new LinkedHashMap<>();
        String lastCas = "0";
        try (Wire w = new Wire(port)) {
            for (String step : steps) {
                if (w.closed) {
                    answers.add(Wire.CLOSED);
                    continue;
                }
                if (step.startsWith(EXPECT_CLOSE)) {
                    w.send(step.substring(EXPECT_CLOSE.length()).getBytes(StandardCharsets.ISO_8859_1));
                    answers.add(w.closesWithin(5000) ? Wire.CLOSED : "<still open>");
                    w.closed = true;
                    continue;
                }
                String s = step.replace("${cas}", lastCas);
                w.send(s.getBytes(StandardCharsets.ISO_8859_1));
                w.send(SENTINEL);
                String raw;
                try {
                    raw = new String(w.readUntilSuffix(MN), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new IOException("port " + port + ", step " + show(step) + ": " + e.getMessage(), e);
                }
                String cas = lastCasIn(raw);
                if (cas != null) {
                    lastCas = cas;
                }
                answers.add(normalise(raw, casNames));
            }
        }
        return answers;
    }

    static String lastCasIn(String raw) {
        String found = null;
        Matcher m = VALUE_CAS.matcher(raw);
        while (m.find()) {
            found = m.group(2);
        }
        m = META_CAS.matcher(raw);
        while (m.find()) {
            found = m.group(2);
        }
        return found;
    }

    static String normalise(String raw, Map<String, String> names) {
        StringBuilder out = new StringBuilder();
        Matcher m = VALUE_CAS.matcher(raw);
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + " " + name(names, m.group(2)) + "\r\n"));
        }
        m.appendTail(out);
        String s = out.toString();
        out = new StringBuilder();
        m = META_CAS.matcher(s);
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + "c" + name(names, m.group(2))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String name(Map<String, String> names, String cas) {
        if (cas.equals("0")) {
            return "0";
        }
        return names.computeIfAbsent(cas, c -> "CAS#" + (names.size() + 1));
    }

    static void assertSame(int memcachedPort, int hearthPort, List<String> steps) throws IOException {
        List<String> expected = run(memcachedPort, steps);
        List<String> actual = run(hearthPort, steps);
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(show(expected.get(i)), show(i < actual.size() ? actual.get(i) : "<missing>"),
                    "step " + i + ": " + show(steps.get(i)));
        }
    }

    static String show(String s) {
        String t = s.replace("\r", "\\r").replace("\n", "\\n\n");
        return t.length() > 600 ? t.substring(0, 600) + "...(" + s.length() + " chars)" : t;
    }
}
