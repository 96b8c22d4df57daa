package dev.hearth.node.memcached;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.auth.PasswordHash;
import dev.hearth.node.cache.OperationStats;
import dev.hearth.node.config.HearthConfig;
import dev.hearth.storage.TenantKey;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * memcached in tenantMode authenticated against a real node: SASL with hashed, plain and file-based users, a
 * brute-force loop cut off, password checks off the event loop, SASL refused without TLS, and a tenant that can
 * neither read, change, flush nor see the counters of another tenant, through any binary command, nor use the text
 * and meta protocols at all.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MemcachedSecurityClusterTest {
    /** PBKDF2 at this count takes a few hundred milliseconds at least: long enough to see where it runs. */
    private static final int SLOW_ITERATIONS = 1_500_000;
    private static Path usersFile;
    private static String baseUsers;
    private static TestNodes node;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("mcsec");
        usersFile = dir.resolve("users");
        StringBuilder users = new StringBuilder("# the test's tenants\n");
        for (String u : List.of("alice", "bob", "erin", "frank", "gina")) {
            users.append(u).append(':').append(PasswordHash.hash(u + "-pw", 1000)).append('\n');
        }
        users.append("carol:carol-plain\n");
        users.append("slow:").append(PasswordHash.hash("slow-pw", SLOW_ITERATIONS)).append('\n');
        baseUsers = users.toString();
        Files.writeString(usersFile, baseUsers);
        node = TestNodes.start(1, "memcached.tenantMode=authenticated", "memcached.saslOverPlaintext=true",
                "memcached.usersFile=" + usersFile, "memcached.maxAuthFailures=3");
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    // ------------------------------------------------------------------ wire helpers

    record Reply(int opcode, int status, byte[] key, byte[] value, long cas) {
        String text() {
            return new String(value, StandardCharsets.ISO_8859_1);
        }
    }

    static Reply read(Wire w) throws IOException {
        byte[] h = w.readN(24);
        if (h.length < 24) {
            return null; // closed
        }
        ByteBuffer b = ByteBuffer.wrap(h);
        int keyLen = b.getShort(2) & 0xffff;
        int extrasLen = b.get(4) & 0xff;
        byte[] body = w.readN(b.getInt(8));
        byte[] key = java.util.Arrays.copyOfRange(body, extrasLen, extrasLen + keyLen);
        byte[] value = java.util.Arrays.copyOfRange(body, extrasLen + keyLen, body.length);
        return new Reply(h[1] & 0xff, b.getShort(6) & 0xffff, key, value, b.getLong(16));
    }

    static byte[] sasl(String user, String password) {
        return BinaryDifferentialClusterTest.frame(Binary.SASL_AUTH, new byte[0], "PLAIN",
                ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8), 7, 0);
    }

    static int port() {
        return node.memcachedPort(0);
    }

    static Wire login(String user) throws IOException {
        Wire w = new Wire(port());
        w.send(sasl(user, user + "-pw"));
        Reply r = read(w);
        assertEquals(Binary.OK, r.status(), user + ": " + r.text());
        return w;
    }

    static Reply ask(Wire w, byte[] frame) throws IOException {
        w.send(frame);
        return read(w);
    }

    /** Sends a quiet command and a NOOP: the first reply is the NOOP's when the quiet command answered nothing. */
    static Reply askQuiet(Wire w, byte[] frame) throws IOException {
        w.send(BinaryDifferentialClusterTest.concat(frame, BinaryDifferentialClusterTest.bare(Binary.NOOP)));
        return read(w);
    }

    static Map<String, String> stats(Wire w, String sub) throws IOException {
        w.send(BinaryDifferentialClusterTest.get(Binary.STAT, sub));
        Map<String, String> m = new LinkedHashMap<>();
        while (true) {
            Reply r = read(w);
            assertEquals(Binary.OK, r.status(), r.text());
            if (r.key().length == 0) {
                return m;
            }
            m.put(new String(r.key(), StandardCharsets.US_ASCII), r.text());
        }
    }

    static long authFailuresMetric(String reason) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + node.node(0).ports().get("admin") + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("(?m)^hearth_memcached_auth_failures_total\\{[^}]*reason=\"" + reason
                + "\"[^}]*} ([0-9.eE+]+)$").matcher(r.body());
        assertTrue(m.find(), "no hearth_memcached_auth_failures_total for " + reason + " in /metrics");
        return (long) Double.parseDouble(m.group(1));
    }

    // ------------------------------------------------------------------ authentication

    @Test
    void hashedPlainAndUnknownUsers() throws IOException {
        login("alice").close();
        try (Wire carol = new Wire(port())) {
            assertEquals(Binary.OK, ask(carol, sasl("carol", "carol-plain")).status());
        }
        try (Wire w = new Wire(port())) {
            Reply wrong = ask(w, sasl("alice", "bob-pw"));
            assertEquals(Binary.AUTH_ERROR, wrong.status());
            assertEquals(Binary.AUTH_ERROR, ask(w, sasl("mallory", "mallory-pw")).status());
            // Below the limit the connection stays open and may still authenticate.
            assertEquals(Binary.OK, ask(w, sasl("alice", "alice-pw")).status());
            assertEquals(Binary.KEY_ENOENT, ask(w, BinaryDifferentialClusterTest.get(Binary.GET, "absent")).status());
        }
    }

    @Test
    void bruteForceLoopIsCutOffAfterMaxAuthFailures() throws Exception {
        long before = authFailuresMetric("credentials");
        try (Wire w = new Wire(port())) {
            List<byte[]> guesses = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                guesses.add(sasl("alice", "guess-" + i));
            }
            guesses.add(sasl("alice", "alice-pw")); // too late: the connection is gone by then
            w.send(BinaryDifferentialClusterTest.concat(guesses.toArray(byte[][]::new)));
            assertEquals(Binary.AUTH_ERROR, read(w).status());
            assertEquals(Binary.AUTH_ERROR, read(w).status());
            Reply last = read(w);
            assertEquals(Binary.AUTH_ERROR, last.status());
            assertTrue(last.text().contains("Too many failed authentications (3)"), last.text());
            assertNull(read(w), "the connection closes after the third failure, answering nothing more");
            assertTrue(w.closed);
        }
        assertEquals(before + 3, authFailuresMetric("credentials"));
    }

    @Test
    void passwordChecksRunOffTheEventLoopAndSuccessesAreRemembered() throws IOException {
        long oneCheck = System.nanoTime();
        try (Wire slow = new Wire(port())) {
            slow.send(sasl("slow", "wrong")); // a full PBKDF2 at SLOW_ITERATIONS
            // Meanwhile every event loop answers at once (connections are spread over the loops round-robin).
            for (int i = 0; i < 8; i++) {
                try (Wire other = new Wire(port())) {
                    assertEquals("1.6.18", ask(other, BinaryDifferentialClusterTest.bare(Binary.VERSION)).text());
                }
            }
            assertEquals(0, slow.socket.getInputStream().available(), "the slow check had not finished yet");
            assertEquals(Binary.AUTH_ERROR, read(slow).status());
        }
        oneCheck = System.nanoTime() - oneCheck;
        // A client's pool connecting at once with the right password: the checks queued together cost one PBKDF2
        // (one per authentication thread at most), not one each.
        long pool = System.nanoTime();
        List<Wire> wires = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Wire w = new Wire(port());
                wires.add(w);
                w.send(sasl("slow", "slow-pw"));
            }
            for (Wire w : wires) {
                assertEquals(Binary.OK, read(w).status());
            }
        } finally {
            for (Wire w : wires) {
                w.close();
            }
        }
        pool = System.nanoTime() - pool;
        assertTrue(pool < 3 * oneCheck, "6 checks of one password took " + pool / 1_000_000 + " ms, one check "
                + oneCheck / 1_000_000 + " ms");
        long again = System.nanoTime();
        try (Wire w = new Wire(port())) {
            assertEquals(Binary.OK, ask(w, sasl("slow", "slow-pw")).status());
        }
        again = System.nanoTime() - again;
        assertTrue(again * 3 < oneCheck, "a verified password is remembered: one check " + oneCheck / 1_000_000
                + " ms, again " + again / 1_000_000 + " ms");
    }

    @Test
    void usersFileIsReReadWhenItChanges() throws Exception {
        String dave = "dave:" + PasswordHash.hash("dave-pw", 1000) + "\n";
        try {
            Files.writeString(usersFile, baseUsers + dave);
            await().atMost(Duration.ofSeconds(15)).until(() -> authenticates("dave", "dave-pw"));
            // A broken version is refused; the users read before stay.
            Files.writeString(usersFile, baseUsers + dave + "this line has no colon\n");
            login("alice").close();
            assertTrue(authenticates("dave", "dave-pw"));
            Files.writeString(usersFile, baseUsers);
            await().atMost(Duration.ofSeconds(15)).until(() -> !authenticates("dave", "dave-pw"));
        } finally {
            Files.writeString(usersFile, baseUsers);
        }
    }

    private static boolean authenticates(String user, String password) throws IOException {
        try (Wire w = new Wire(port())) {
            return ask(w, sasl(user, password)).status() == Binary.OK;
        }
    }

    @Test
    void saslOverPlaintextIsRefusedWithoutThePermit() throws Exception {
        // A listener like the node's but without the permit, over the node's real cache service. (A node cannot
        // be configured so without TLS: that is a config error. With TLS on, this is what a connection that did
        // not come through the TLS handler gets.)
        HearthConfig.Memcached strict = withPermit(node.node(0).config().memcached(), false);
        OperationStats ops = new OperationStats();
        try (MemcachedServer server = new MemcachedServer(strict, ops)) {
            int p = server.start("127.0.0.1", 0);
            server.ready(node.node(0).cache());
            try (Wire w = new Wire(p)) {
                Reply r = ask(w, BinaryDifferentialClusterTest.bare(Binary.SASL_LIST_MECHS));
                assertEquals(Binary.AUTH_ERROR, r.status());
                assertEquals(ConnectionAuth.PLAINTEXT_REFUSED, r.text());
                assertTrue(w.closesWithin(5000));
            }
            try (Wire w = new Wire(p)) {
                Reply r = ask(w, BinaryDifferentialClusterTest.concat(sasl("alice", "alice-pw"),
                        BinaryDifferentialClusterTest.get(Binary.GET, "k")));
                assertEquals(Binary.AUTH_ERROR, r.status());
                assertEquals(ConnectionAuth.PLAINTEXT_REFUSED, r.text());
                assertNull(read(w), "closed, the GET behind it unanswered");
            }
            assertEquals(2L, ops.memcachedAuthFailures().get("plaintext"));
            assertEquals(0L, ops.memcachedAuthFailures().get("credentials"));
        }
    }

    @Test
    void aConnectionIsTlsWhenItsPipelineHasAnSslHandler() throws Exception {
        HearthConfig.Memcached strict = withPermit(node.node(0).config().memcached(), false);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        Endpoint e = new Endpoint(strict, new OperationStats(), scheduler);
        EmbeddedChannel plain = new EmbeddedChannel();
        EmbeddedChannel tls = new EmbeddedChannel();
        try {
            tls.pipeline().addLast("tls", new SslHandler(SSLContext.getDefault().createSSLEngine()));
            assertFalse(Endpoint.tls(plain));
            assertFalse(e.saslAllowed(plain));
            assertTrue(Endpoint.tls(tls));
            assertTrue(e.saslAllowed(tls));
            Endpoint permissive = new Endpoint(withPermit(strict, true), new OperationStats(), scheduler);
            assertTrue(permissive.saslAllowed(plain));
            permissive.credentials.close();
        } finally {
            plain.finishAndReleaseAll();
            tls.finishAndReleaseAll();
            e.credentials.close();
            scheduler.shutdownNow();
        }
    }

    private static HearthConfig.Memcached withPermit(HearthConfig.Memcached m, boolean permit) {
        return new HearthConfig.Memcached(m.enabled(), m.tenantMode(), m.tenant(), m.maxItemSize(),
                m.maxConnections(), m.idleTimeout(), m.readFailoverAfter(), m.operationTimeout(), m.users(),
                m.outputMemory(), m.connectionOutput(), m.inputMemory(), m.slowReaderTimeout(), m.requestTimeout(),
                m.usersFile(),
                permit, m.maxAuthFailures(), m.ioThreads());
    }

    // ------------------------------------------------------------------ tenant isolation

    private static byte[] set(String key, String value) {
        return BinaryDifferentialClusterTest.set(Binary.SET, key, value, 0, 0, 0);
    }

    private static byte[] get(int op, String key) {
        return BinaryDifferentialClusterTest.get(op, key);
    }

    @Test
    void aTenantCannotReadOrChangeAnotherTenantsKeysThroughAnyBinaryCommand() throws IOException {
        try (Wire alice = login("alice"); Wire bob = login("bob")) {
            Reply stored = ask(alice, set("iso:k", "alice-value"));
            assertEquals(Binary.OK, stored.status());
            long cas = stored.cas();
            assertEquals(Binary.OK, ask(alice, set("iso:n", "5")).status());
            for (String key : List.of("iso:k", "alice:iso:k")) {
                assertEquals(Binary.KEY_ENOENT, ask(bob, get(Binary.GET, key)).status(), "GET " + key);
                assertEquals(Binary.KEY_ENOENT, ask(bob, get(Binary.GETK, key)).status(), "GETK " + key);
                assertEquals(Binary.NOOP, askQuiet(bob, get(Binary.GETQ, key)).opcode(), "GETQ " + key);
                assertEquals(Binary.NOOP, askQuiet(bob, get(Binary.GETKQ, key)).opcode(), "GETKQ " + key);
                assertEquals(Binary.KEY_ENOENT, ask(bob, BinaryDifferentialClusterTest.touch(Binary.GAT, key, 0)).status(),
                        "GAT " + key);
                assertEquals(Binary.KEY_ENOENT, ask(bob, BinaryDifferentialClusterTest.touch(Binary.GATK, key, 0)).status(),
                        "GATK " + key);
                assertEquals(Binary.NOOP, askQuiet(bob, BinaryDifferentialClusterTest.touch(Binary.GATQ, key, 0)).opcode(),
                        "GATQ " + key);
                assertEquals(Binary.KEY_ENOENT, ask(bob, BinaryDifferentialClusterTest.touch(Binary.TOUCH, key, 1)).status(),
                        "TOUCH " + key);
                assertEquals(Binary.NOT_STORED, ask(bob, BinaryDifferentialClusterTest.frame(Binary.APPEND, new byte[0], key,
                        "-bob", 0)).status(), "APPEND " + key);
                assertEquals(Binary.NOT_STORED, ask(bob, BinaryDifferentialClusterTest.frame(Binary.PREPEND, new byte[0],
                        key, "bob-", 0)).status(), "PREPEND " + key);
                assertEquals(Binary.KEY_ENOENT, ask(bob, BinaryDifferentialClusterTest.set(Binary.REPLACE, key, "bob", 0, 0,
                        0)).status(), "REPLACE " + key);
                assertEquals(Binary.KEY_ENOENT, ask(bob, BinaryDifferentialClusterTest.set(Binary.SET, key, "bob", 0, 0,
                        cas)).status(), "SET with alice's CAS " + key);
                assertEquals(Binary.KEY_ENOENT, ask(bob, BinaryDifferentialClusterTest.frame(Binary.DELETE, new byte[0],
                        key, "", 0)).status(), "DELETE " + key);
            }
            for (int op : List.of(Binary.INCREMENT, Binary.DECREMENT)) {
                // exptime 0xffffffff: no auto-vivify, so a miss is a miss
                assertEquals(Binary.KEY_ENOENT, ask(bob, BinaryDifferentialClusterTest.incr(op, "iso:n", 1, 0, -1))
                        .status(), "incr/decr " + op);
            }
            Reply mine = ask(alice, get(Binary.GET, "iso:k"));
            assertEquals("alice-value", mine.text());
            assertEquals(cas, mine.cas(), "untouched by anything bob did");
            assertEquals("5", ask(alice, get(Binary.GET, "iso:n")).text());
            // bob's writes land in bob's namespace only.
            assertEquals(Binary.OK, ask(bob, set("iso:k", "bob-value")).status());
            assertEquals("alice-value", ask(alice, get(Binary.GET, "iso:k")).text());
            assertEquals("bob-value", ask(bob, get(Binary.GET, "iso:k")).text());
        }
    }

    @Test
    void aTenantsFlushClearsOnlyItsOwnKeysAndDelayedFlushIsRefused() throws IOException {
        var cache = node.node(0).cache();
        try (Wire alice = login("alice"); Wire bob = login("bob")) {
            assertEquals(Binary.OK, ask(alice, set("fl:a", "1")).status());
            assertEquals(Binary.OK, ask(bob, set("fl:b", "2")).status());
            assertEquals(Binary.OK, ask(bob, BinaryDifferentialClusterTest.bare(Binary.FLUSH)).status());
            assertEquals(Binary.KEY_ENOENT, ask(bob, get(Binary.GET, "fl:b")).status());
            assertEquals("1", ask(alice, get(Binary.GET, "fl:a")).text());

            assertEquals(Binary.OK, ask(bob, set("fl:b", "3")).status());
            Reply delayed = ask(alice, BinaryDifferentialClusterTest.frame(Binary.FLUSH,
                    ByteBuffer.allocate(4).putInt(10).array(), "", "", 0));
            assertEquals(Binary.EINVAL, delayed.status());
            assertEquals(Endpoint.DELAYED_FLUSH_REFUSED, delayed.text());
            assertEquals(Binary.NOOP, askQuiet(alice, BinaryDifferentialClusterTest.bare(Binary.FLUSHQ)).opcode());
            assertEquals(Binary.KEY_ENOENT, ask(alice, get(Binary.GET, "fl:a")).status());
            assertEquals("3", ask(bob, get(Binary.GET, "fl:b")).text());
        }
        assertNull(cache.get(TenantKey.of("alice", "fl:a")).join());
        assertNotNull(cache.get(TenantKey.of("bob", "fl:b")).join());
    }

    @Test
    void statsShowATenantOnlyItsOwnCounters() throws IOException {
        try (Wire erin = login("erin"); Wire frank = login("frank")) {
            assertEquals(Binary.OK, ask(erin, BinaryDifferentialClusterTest.get(Binary.STAT, "detail on")).status());
            ask(erin, set("erinpfx:1", "x"));
            ask(erin, set("erinpfx:2", "y"));
            for (int i = 0; i < 3; i++) {
                ask(erin, get(Binary.GET, "erinpfx:" + i));
            }
            ask(frank, get(Binary.GET, "frankpfx:1"));
            Map<String, String> e = stats(erin, "");
            assertEquals("3", e.get("cmd_get"));
            assertEquals("2", e.get("cmd_set"));
            assertEquals("2", e.get("get_hits"));
            assertEquals("1", e.get("get_misses"));
            Map<String, String> f = stats(frank, "");
            assertEquals("1", f.get("cmd_get"));
            assertEquals("0", f.get("cmd_set"));
            assertEquals("0", f.get("get_hits"));
            for (String nodeWide : List.of("curr_connections", "total_connections", "rejected_connections",
                    "bytes_read", "bytes_written", "auth_cmds", "auth_errors", "hearth_output_bytes")) {
                assertFalse(e.containsKey(nodeWide), nodeWide + " would show other tenants' traffic");
            }
            String erinDump = stats(erin, "detail dump").get("detailed");
            assertEquals("PREFIX erinpfx get 3 hit 2 set 2 del 0\r\nEND\r\n", erinDump);
            assertEquals(Binary.OK, ask(frank, BinaryDifferentialClusterTest.get(Binary.STAT, "detail on")).status());
            assertEquals("END\r\n", stats(frank, "detail dump").get("detailed"));
            assertEquals(Binary.OK, ask(frank, BinaryDifferentialClusterTest.get(Binary.STAT, "reset")).status());
            assertEquals(erinDump, stats(erin, "detail dump").get("detailed"), "frank's reset is frank's only");
        }
    }

    private static MemcachedClient spy(String user, String password) throws IOException {
        return new MemcachedClient(new ConnectionFactoryBuilder().setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                .setAuthDescriptor(new AuthDescriptor(new String[] {"PLAIN"}, new PlainCallbackHandler(user, password)))
                .setOpTimeout(10_000).build(), List.of(new InetSocketAddress("127.0.0.1", port())));
    }

    @Test
    void aRealSaslClientWorksAndStaysInItsTenant() throws Exception {
        MemcachedClient alice = spy("alice", "alice-pw");
        MemcachedClient bob = spy("bob", "bob-pw");
        try {
            assertTrue(alice.set("spy:k", 0, "alice's").get(10, TimeUnit.SECONDS));
            assertEquals("alice's", alice.get("spy:k"));
            assertNull(bob.get("spy:k"));
            assertTrue(bob.set("spy:k", 0, "bob's").get(10, TimeUnit.SECONDS));
            assertTrue(bob.flush().get(10, TimeUnit.SECONDS));
            assertNull(bob.get("spy:k"));
            assertEquals("alice's", alice.get("spy:k"));
        } finally {
            alice.shutdown(5, TimeUnit.SECONDS);
            bob.shutdown(5, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ text and meta

    private static String askText(Wire w, String req, String until) throws IOException {
        w.send(req);
        return new String(w.readUntilSuffix(until.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.ISO_8859_1)
                + until;
    }

    private static String authSet(String user, String password) {
        String v = user + " " + password;
        return "set auth 0 0 " + v.length() + "\r\n" + v + "\r\n";
    }

    static Wire textLogin(String user) throws IOException {
        Wire w = new Wire(port());
        assertEquals("STORED\r\n", askText(w, authSet(user, user + "-pw"), "\r\n"));
        return w;
    }

    @Test
    void textCommandsBeforeAuthenticationAreRefused() throws IOException {
        try (Wire alice = login("alice")) {
            assertEquals(Binary.OK, ask(alice, set("txt:k", "alice-text")).status());
        }
        for (String cmd : List.of("get txt:k", "gets txt:k", "gat 0 txt:k", "mg txt:k v", "me txt:k", "ma txt:k",
                "md txt:k", "mn", "flush_all", "flush_all 10", "stats", "stats detail dump", "incr txt:k 1",
                "append txt:k 0 0 1\r\nx", "version")) {
            try (Wire w = new Wire(port())) {
                w.send(cmd + "\r\n");
                assertEquals(TextHandler.UNAUTHENTICATED + "\r\n" + Wire.CLOSED,
                        new String(w.readUntilSuffix(new byte[] {0}), StandardCharsets.US_ASCII), cmd);
            }
        }
        try (Wire alice = login("alice")) {
            assertEquals("alice-text", ask(alice, get(Binary.GET, "txt:k")).text());
        }
    }

    @Test
    void textAuthenticationAndItsBruteForceCutOff() throws Exception {
        try (Wire w = new Wire(port())) {
            assertEquals(TextHandler.AUTH_FAILURE + "\r\n", askText(w, authSet("alice", "nope"), "\r\n"));
            assertEquals("CLIENT_ERROR bad authentication token format\r\n",
                    askText(w, "set auth 0 0 5\r\nalice\r\n", "\r\n"));
            assertEquals("STORED\r\n", askText(w, authSet("alice", "alice-pw"), "\r\n"));
            assertEquals("STORED\r\n", askText(w, "set t:k 0 0 2\r\nok\r\n", "\r\n"), "now a plain set");
            assertEquals("VALUE t:k 0 2\r\nok\r\nEND\r\n", askText(w, "get t:k\r\n", "END\r\n"));
        }
        long before = authFailuresMetric("credentials");
        try (Wire w = new Wire(port())) {
            StringBuilder guesses = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                guesses.append(authSet("alice", "guess" + i));
            }
            guesses.append(authSet("alice", "alice-pw")).append("get t:k\r\n");
            w.send(guesses.toString());
            String all = new String(w.readUntilSuffix(new byte[] {0}), StandardCharsets.US_ASCII);
            assertEquals((TextHandler.AUTH_FAILURE + "\r\n").repeat(3) + Wire.CLOSED, all);
        }
        assertEquals(before + 3, authFailuresMetric("credentials"));
    }

    @Test
    void aTextTenantCannotReadOrChangeAnotherTenantsKeys() throws IOException {
        long cas;
        try (Wire alice = login("alice")) {
            Reply r = ask(alice, set("tiso:k", "alice-value"));
            cas = r.cas();
            assertEquals(Binary.OK, ask(alice, set("tiso:n", "7")).status());
        }
        try (Wire bob = textLogin("bob")) {
            for (String key : List.of("tiso:k", "alice:tiso:k")) {
                assertEquals("END\r\n", askText(bob, "get " + key + "\r\n", "\r\n"));
                assertEquals("END\r\n", askText(bob, "gets " + key + "\r\n", "\r\n"));
                assertEquals("END\r\n", askText(bob, "gat 0 " + key + "\r\n", "\r\n"));
                assertEquals("END\r\n", askText(bob, "gats 0 " + key + "\r\n", "\r\n"));
                assertEquals("EN\r\n", askText(bob, "mg " + key + " v c f\r\n", "\r\n"));
                assertEquals("EN\r\n", askText(bob, "me " + key + "\r\n", "\r\n"));
                assertEquals("NOT_FOUND\r\n", askText(bob, "touch " + key + " 0\r\n", "\r\n"));
                assertEquals("NOT_STORED\r\n", askText(bob, "append " + key + " 0 0 1\r\nx\r\n", "\r\n"));
                assertEquals("NOT_STORED\r\n", askText(bob, "prepend " + key + " 0 0 1\r\nx\r\n", "\r\n"));
                assertEquals("NOT_STORED\r\n", askText(bob, "replace " + key + " 0 0 1\r\nx\r\n", "\r\n"));
                assertEquals("NOT_FOUND\r\n", askText(bob, "cas " + key + " 0 0 1 " + Long.toUnsignedString(cas)
                        + "\r\nx\r\n", "\r\n"));
                assertEquals("NS\r\n", askText(bob, "ms " + key + " 1 MR\r\nx\r\n", "\r\n"));
                assertEquals("NOT_FOUND\r\n", askText(bob, "delete " + key + "\r\n", "\r\n"));
                assertEquals("NF\r\n", askText(bob, "md " + key + "\r\n", "\r\n"));
            }
            assertEquals("NOT_FOUND\r\n", askText(bob, "incr tiso:n 1\r\n", "\r\n"));
            assertEquals("NOT_FOUND\r\n", askText(bob, "decr tiso:n 1\r\n", "\r\n"));
            assertEquals("NF\r\n", askText(bob, "ma tiso:n\r\n", "\r\n"));
            assertEquals("STORED\r\n", askText(bob, "set tiso:k 0 0 3\r\nbob\r\n", "\r\n"));
            assertEquals("VALUE tiso:k 0 3\r\nbob\r\nEND\r\n", askText(bob, "get tiso:k\r\n", "END\r\n"));
        }
        try (Wire alice = login("alice")) {
            Reply mine = ask(alice, get(Binary.GET, "tiso:k"));
            assertEquals("alice-value", mine.text());
            assertEquals(cas, mine.cas());
            assertEquals("7", ask(alice, get(Binary.GET, "tiso:n")).text());
        }
    }

    @Test
    void aTextTenantsFlushAllAndStatsAreItsOwn() throws IOException {
        var cache = node.node(0).cache();
        try (Wire alice = login("alice"); Wire gina = textLogin("gina")) {
            assertEquals(Binary.OK, ask(alice, set("tfl:a", "1")).status());
            assertEquals("STORED\r\n", askText(gina, "set tfl:f 0 0 1\r\n2\r\n", "\r\n"));
            assertEquals("CLIENT_ERROR " + Endpoint.DELAYED_FLUSH_REFUSED + "\r\n",
                    askText(gina, "flush_all 10\r\n", "\r\n"));
            assertEquals("VALUE tfl:f 0 1\r\n2\r\nEND\r\n", askText(gina, "get tfl:f\r\n", "END\r\n"));
            assertEquals("OK\r\n", askText(gina, "flush_all\r\n", "\r\n"));
            assertEquals("END\r\n", askText(gina, "get tfl:f\r\n", "\r\n"));
            assertEquals("1", ask(alice, get(Binary.GET, "tfl:a")).text());

            String stats = askText(gina, "stats\r\n", "END\r\n");
            for (String nodeWide : List.of("curr_connections", "total_connections", "bytes_read", "bytes_written",
                    "auth_errors", "hearth_output_bytes")) {
                assertFalse(stats.contains("STAT " + nodeWide + " "), nodeWide + " in " + stats);
            }
            assertTrue(stats.contains("STAT cmd_flush 1\r\n"), stats);
            Map<String, String> viaBinary = stats(alice, "");
            assertFalse(viaBinary.containsKey("curr_connections"));
            assertEquals("OK\r\n", askText(gina, "stats detail on\r\n", "\r\n"));
            askText(gina, "get ginatxt:1\r\n", "END\r\n");
            assertEquals("PREFIX ginatxt get 1 hit 0 set 0 del 0\r\nEND\r\n",
                    askText(gina, "stats detail dump\r\n", "END\r\n"));
        }
        assertNotNull(cache.get(TenantKey.of("alice", "tfl:a")).join());
        assertNull(cache.get(TenantKey.of("gina", "tfl:f")).join());
    }
}
