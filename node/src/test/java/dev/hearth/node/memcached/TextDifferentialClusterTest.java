package dev.hearth.node.memcached;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The text and meta protocols, byte for byte against real memcached 1.6 (see docs/memcached-compatibility.md for
 * the documented differences, which these sequences avoid or normalise).
 */
@Timeout(300)
class TextDifferentialClusterTest extends DifferentialFixture {

    private static void same(String... steps) throws IOException {
        Differential.assertSame(memcached.port, hearth.memcachedPort(0), List.of(steps));
    }

    @Test
    void storageAndRetrieval() throws IOException {
        same("set t1:k1 5 0 3\r\nabc\r\n", "get t1:k1\r\n", "gets t1:k1\r\n", "add t1:k1 0 0 1\r\nx\r\n",
                "add t1:k2 7 0 2\r\nhi\r\n", "get t1:k1 t1:k2 t1:k3\r\n", "gets t1:k2 t1:k1\r\n",
                "replace t1:k3 0 0 1\r\nx\r\n", "replace t1:k1 9 0 4\r\nabcd\r\n", "append t1:k1 0 0 2\r\nef\r\n",
                "prepend t1:k1 0 0 2\r\n__\r\n", "get t1:k1\r\n", "append t1:nokey 0 0 1\r\nx\r\n",
                "prepend t1:nokey 0 0 1\r\nx\r\n", "delete t1:k1\r\n", "delete t1:k1\r\n", "get t1:k1\r\n",
                "delete t1:k2 0\r\n", "delete t1:k2 5\r\n", "set t1:e 0 0 0\r\n\r\n", "get t1:e\r\n",
                "set t1:bin 0 0 4\r\n\0\1\r\n\r\n", "get t1:bin\r\n", "set nocolon 1 0 1\r\nz\r\n",
                "get nocolon\r\n", "set t1:k1 4294967295 0 1\r\na\r\n", "get t1:k1\r\n",
                "set t1:k1 4294967296 0 1\r\na\r\n", "get t1:k1\r\n", "set t1:k1 -1 0 1\r\na\r\n",
                "set t1:neg 0 -1 1\r\na\r\n", "get t1:neg\r\n", "set t1:past 0 1000000000 1\r\na\r\n",
                "get t1:past\r\n", "set t1:future 0 4000000000 1\r\na\r\n", "get t1:future\r\n",
                "set  t1:sp  0  0  1 \r\nq\r\n", "get t1:sp\r\n", "set t1:lf 0 0 1\nq\r\n", "get t1:lf\n");
    }

    @Test
    void counters() throws IOException {
        same("set t2:n 3 0 2\r\n10\r\n", "incr t2:n 5\r\n", "get t2:n\r\n", "decr t2:n 20\r\n", "get t2:n\r\n",
                "incr t2:n 100\r\n", "get t2:n\r\n", "decr t2:n 1\r\n", "get t2:n\r\n",
                "incr t2:n 18446744073709551615\r\n", "incr t2:n 18446744073709551616\r\n",
                "incr t2:n -1\r\n", "incr t2:n abc\r\n", "decr t2:missing 1\r\n", "incr t2:missing 1 noreply\r\n",
                "set t2:s 0 0 3\r\nabc\r\n", "incr t2:s 1\r\n", "set t2:w 0 0 4\r\n 12 \r\n", "incr t2:w 1\r\n",
                "set t2:big 0 0 20\r\n18446744073709551615\r\n", "incr t2:big 1\r\n", "get t2:big\r\n",
                "incr t2:n 1 noreply\r\n", "get t2:n\r\n", "incr t2:n\r\n", "decr t2:n 1 2 3\r\n");
    }

    @Test
    void casAndNoreply() throws IOException {
        same("set t3:c 0 0 1\r\na\r\n", "gets t3:c\r\n", "cas t3:c 0 0 1 ${cas}\r\nb\r\n", "cas t3:c 0 0 1 1\r\nc\r\n",
                "gets t3:c\r\n", "cas t3:c 1 0 1 ${cas}\r\nd\r\n", "get t3:c\r\n", "cas t3:none 0 0 1 1\r\nx\r\n",
                "cas t3:c 0 0 1 abc\r\nx\r\n", "cas t3:c 0 0 1\r\nx\r\n",
                "set t3:n 0 0 1 noreply\r\na\r\n", "get t3:n\r\n", "add t3:n 0 0 1 noreply\r\nb\r\n",
                "replace t3:n 0 0 1 noreply\r\nc\r\n", "append t3:n 0 0 1 noreply\r\nd\r\n", "get t3:n\r\n",
                "delete t3:n noreply\r\n", "delete t3:n noreply\r\n", "get t3:n\r\n",
                "set t3:n 0 0 x noreply\r\n", "touch t3:n 10 noreply\r\n", "verbosity 1 noreply\r\n",
                "set t3:n 0 0 1 noreply\r\nabc\r\n");
    }

    @Test
    void touchAndGat() throws IOException {
        same("set t4:k 3 100 2\r\nhi\r\n", "touch t4:k 10\r\n", "touch t4:none 10\r\n", "gat 0 t4:k\r\n",
                "gats 200 t4:k t4:none\r\n", "gat 10\r\n", "gat abc t4:k\r\n", "touch t4:k abc\r\n",
                "touch t4:k -1\r\n", "get t4:k\r\n", "gat\r\n");
    }

    @Test
    void badInput() throws IOException {
        String longKey = "k".repeat(251);
        same("foo\r\n", "\r\n", "x\r\n", "set t5:k\r\n", "set t5:k 0 0 -1\r\n", "set t5:k 0 0 1 2 3\r\n",
                "set " + longKey + " 0 0 1\r\nx\r\n", "get " + longKey + "\r\n", "get t5:a " + longKey + "\r\n",
                "set t5:k 0 0 3\r\nabcde\r\n", "get\r\n", "gets\r\n", "incr t5:k\r\n", "delete t5:k 5\r\n",
                "delete t5:k 0 noreply\r\n", "delete\r\n", "touch t5:k\r\n", "verbosity\r\n", "verbosity 1\r\n",
                "verbosity x\r\n", "flush_all abc\r\n", "flush_all 1 2 3\r\n", "shutdown\r\n", "GET\r\n",
                "Set t5:k 0 0 1\r\n", "set t5:k 0 0 1\r\nab\r\n", "get t5:k\r\n",
                "set t5:k abc 0 1\r\nx\r\n", "set t5:k 0 abc 1\r\nx\r\n", "set t5:k 0 0 1x\r\nx\r\n",
                "set t5:k 0 0 2147483647\r\n", "version x\r\n", "stats nosuch\r\n", "md\r\n", "mz k\r\n",
                "get " + "t5:k ".repeat(30) + "\r\n", "set t5:k 0 0 1 " + "x ".repeat(30) + "\r\nq\r\n");
    }

    @Test
    void tooLargeValuesAreSwallowed() throws IOException {
        String big = "v".repeat(2 * 1024 * 1024);
        same("set t6:k 0 0 1\r\na\r\n", "set t6:k 0 0 " + big.length() + "\r\n" + big + "\r\n", "get t6:k\r\n",
                "set t6:j 0 0 1\r\na\r\n", "append t6:j 0 0 " + big.length() + "\r\n" + big + "\r\n", "get t6:j\r\n",
                "ms t6:j " + big.length() + " T0\r\n" + big + "\r\n", "get t6:j\r\n",
                "set t6:j 0 0 " + big.length() + " noreply\r\n" + big + "\r\n", "get t6:j\r\n");
    }

    @Test
    void aRefusedSetRemovesTheOldValue() throws IOException {
        // memcached's own example: 10 bytes over the default 1 MiB limit
        String big = "v".repeat(1048586);
        String old = "set t12:k 0 0 3\r\nold\r\n";
        String get = "get t12:k\r\n";
        same(old, "set t12:k 0 0 " + big.length() + "\r\n" + big + "\r\n", get,
                old, "set t12:k 0 0 " + big.length() + " noreply\r\n" + big + "\r\n", get,
                // every ms mode removes it (memcached unlinks whatever the mode), quiet or not, with C, base64 key
                old, "ms t12:k " + big.length() + "\r\n" + big + "\r\n", get,
                old, "ms t12:k " + big.length() + " MS q\r\n" + big + "\r\n", get,
                old, "ms t12:k " + big.length() + " ME\r\n" + big + "\r\n", get,
                old, "ms t12:k " + big.length() + " MA\r\n" + big + "\r\n", get,
                old, "ms t12:k " + big.length() + " MP k O1\r\n" + big + "\r\n", get,
                old, "ms t12:k " + big.length() + " MR T0 F3\r\n" + big + "\r\n", get,
                old, "ms t12:k " + big.length() + " C1\r\n" + big + "\r\n", get,
                old, "ms dDEyOms= " + big.length() + " b\r\n" + big + "\r\n", get,
                // the others keep it: an invalid ms, cas, add, replace, append, prepend
                old, "ms t12:k " + big.length() + " MX\r\n" + big + "\r\n", get,
                "cas t12:k 0 0 " + big.length() + " 1\r\n" + big + "\r\n", get,
                "add t12:k 0 0 " + big.length() + "\r\n" + big + "\r\n", get,
                "replace t12:k 0 0 " + big.length() + " noreply\r\n" + big + "\r\n", get,
                "append t12:k 0 0 " + big.length() + "\r\n" + big + "\r\n", get,
                "prepend t12:k 0 0 " + big.length() + "\r\n" + big + "\r\n", get);
    }

    @Test
    void aHugeDeclaredLengthRemovesTheOldValueBeforeTheDataArrives() throws IOException {
        int length = 64 << 20;
        for (String cmd : List.of("set t13:k 0 0 " + length + "\r\n", "ms t13:k " + length + " MA\r\n")) {
            List<String> answers = new ArrayList<>();
            for (int port : List.of(memcached.port, hearth.memcachedPort(0))) {
                assertEquals(List.of("STORED\r\n"), Differential.run(port, List.of("set t13:k 0 0 3\r\nold\r\n")));
                try (Wire w = new Wire(port)) {
                    w.send(cmd);
                    // memcached removes the old value on the command line, before any of the data has come
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of("END\r\n"),
                            Differential.run(port, List.of("get t13:k\r\n")), cmd + " on port " + port));
                    w.send(new byte[length]);
                    w.send("\r\nmn\r\n");
                    answers.add(new String(w.readUntilSuffix("MN\r\n".getBytes(StandardCharsets.US_ASCII)),
                            StandardCharsets.US_ASCII));
                }
            }
            assertEquals(answers.get(0), answers.get(1), cmd);
        }
    }

    @Test
    void appendAndPrependCannotGrowAnItemPastTheSizeLimit() throws IOException {
        String part = "x".repeat(600 * 1024);
        String n = " " + part.length();
        String size = "mg t14:k s\r\n";
        same("set t14:k 0 0 3\r\nabc\r\n", "append t14:k 0 0" + n + "\r\n" + part + "\r\n", size,
                "append t14:k 0 0" + n + "\r\n" + part + "\r\n", size,
                "prepend t14:k 0 0" + n + "\r\n" + part + "\r\n", size,
                "append t14:k 0 0" + n + " noreply\r\n" + part + "\r\n", size,
                "ms t14:k" + n + " MA\r\n" + part + "\r\n", "ms t14:k" + n + " MP\r\n" + part + "\r\n",
                "ms t14:k" + n + " MA q k O1 c\r\n" + part + "\r\n", size,
                // still there and unchanged: small appends go on working
                "append t14:k 0 0 1\r\n!\r\n", "prepend t14:k 0 0 1\r\n^\r\n", size, "mg t14:k v\r\n");
    }

    @Test
    void multiGetLongerThanALine() throws IOException {
        StringBuilder set = new StringBuilder();
        StringBuilder get = new StringBuilder("get");
        for (int i = 0; i < 150; i++) {
            String k = "t7:key-with-a-long-name-" + i;
            if (i % 3 == 0) {
                set.append("set ").append(k).append(" 0 0 2\r\n").append(i % 100).append(i < 10 ? "x" : "")
                        .append("\r\n");
            }
            get.append(' ').append(k);
        }
        same(set.toString(), get + "\r\n", get.toString().replace("get", "gets") + "\r\n");
    }

    @Test
    void closingInputs() throws IOException {
        same("set t8:k 0 0 1\r\na\r\n", "quit\r\n");
        same("GET / HTTP/1.1\r\n");
        same("version\r\n", Differential.EXPECT_CLOSE + "set t8:" + "x".repeat(3000));
        same(Differential.EXPECT_CLOSE + "   get t8:" + "x".repeat(3000));
        same("version\r\n", "set t8:k 0 0 1 " + "y".repeat(3000) + "\r\nz\r\n", "get t8:k\r\n");
    }

    @Test
    void metaCommands() throws IOException {
        same("ms t9:mk 3 T0 F5\r\nabc\r\n", "mg t9:mk v f s t\r\n", "mg t9:mk k O123 c\r\n", "mg t9:miss v\r\n",
                "mg t9:miss v q k O1\r\n", "mg t9:miss k O1\r\n", "ms t9:mk 2 MA\r\nde\r\n", "mg t9:mk v\r\n",
                "ms t9:mk 1 ME\r\nx\r\n", "ms t9:nokey 1 MR\r\nx\r\n", "ms t9:mk 1 C999\r\nx\r\n",
                "mg t9:mk c\r\n", "ms t9:mk 1 C${cas} c\r\ny\r\n", "mg t9:mk v\r\n",
                "ms t9:mk 1 q\r\nz\r\n", "ms t9:mk 1 MX\r\nz\r\n", "ms t9:mk abc\r\n", "ms t9:mk 1 Zz\r\nq\r\n",
                "ms t9:mk 1 T1 T2\r\nq\r\n", "ms t9:mk\r\n", "ms t9:mk 1 MP k O9\r\n_\r\n", "mg t9:mk v k\r\n",
                "md t9:mk q\r\n", "md t9:mk\r\n", "md t9:mk O5 k\r\n", "md t9:mk x\r\n",
                "me t9:nokey\r\n", "mg\r\n", "mg t9:mk v v\r\n", "mg t9:mk Y\r\n",
                "mg t9:mk T1 N1 R1 O1 s v t c f k q h l u P L\r\n",
                "mg t9:mk O" + "x".repeat(40) + "\r\n", "ms t9:fl 1 F4294967295 T-1\r\na\r\n", "mg t9:fl v\r\n",
                "ms t9:fl 1 Fabc\r\na\r\n", "ms t9:fl 1 T0 F1 I\r\nb\r\n", "mg t9:fl f v\r\n");
    }

    @Test
    void metaArithmetic() throws IOException {
        same("ma t10:cnt\r\n", "ma t10:cnt N0 J10 v\r\n", "ma t10:cnt v\r\n", "ma t10:cnt MD D5 v t\r\n",
                "ma t10:cnt q\r\n", "mg t10:cnt v\r\n", "ma t10:cnt MX\r\n", "ma t10:cnt D-1\r\n",
                "ma t10:cnt Dabc\r\n", "ma t10:cnt M- D100 v\r\n", "mg t10:cnt v\r\n", "ma t10:cnt MI D3 O7 k v\r\n",
                "ma t10:none q O1\r\n", "ma t10:cnt C1 v\r\n", "mg t10:cnt c\r\n", "ma t10:cnt C${cas} v c\r\n",
                "ms t10:nn 2\r\nab\r\n", "ma t10:nn\r\n", "ma t10:cnt M+ D18446744073709551615 v\r\n",
                "ma t10:viv N100 J5 MD v t\r\n");
    }

    @Test
    void metaStaleWhileRevalidate() throws IOException {
        same("ms t11:sk 1 T100\r\na\r\n", "md t11:sk I T30\r\n", "mg t11:sk v t\r\n", "mg t11:sk v c\r\n",
                "mg t11:sk v\r\n", "ms t11:sk 1 C1 I T50\r\nb\r\n", "mg t11:sk v t\r\n",
                "ms t11:sk 1 T100\r\nc\r\n", "mg t11:sk v t\r\n", "md t11:sk I q\r\n", "mg t11:sk s\r\n",
                "md t11:none I\r\n", "mg t11:vv N30 v t\r\n", "mg t11:vv N30 v t\r\n", "ms t11:vv 1 T60\r\nz\r\n",
                "mg t11:vv v t\r\n", "ms t11:rr 1 T10\r\nr\r\n", "mg t11:rr R30 v\r\n", "mg t11:rr R30 t\r\n",
                "mg t11:rr R5 t\r\n", "ms t11:hh 1\r\nh\r\n", "mg t11:hh h\r\n", "mg t11:hh h l\r\n",
                "mg t11:hh u\r\n", "mg t11:hh T0 t\r\n", "mg t11:hh T30 t v\r\n", "mg t11:hh t\r\n");
    }

    @Test
    void metaBase64Keys() throws IOException {
        same("ms Zm9vYmFy 2 b\r\nhi\r\n", "mg foobar v\r\n", "mg Zm9vYmFy b k v\r\n", "mg Zm9vYmFy b k q v O1\r\n",
                "ma Y291bnQ= b N0 J1 v k\r\n", "md Zm9vYmFy b k\r\n", "mg foobar v\r\n", "mg !!! b v\r\n",
                "ms Zm9v b 1 k\r\nx\r\n", "ms Zm9v 1 b k c\r\nx\r\n", "md Zm9v b q\r\n");
    }
}
