package dev.hearth.node.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real third-party memcached clients against a 3-node Hearth cluster, every client configured with all three. */
@Timeout(120)
class ThirdPartyClientsClusterTest {
    static final String PYTHON = "/usr/bin/python3";
    static TestNodes cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestNodes.start(3);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<InetSocketAddress> all() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            out.add(new InetSocketAddress("127.0.0.1", cluster.memcachedPort(i)));
        }
        return out;
    }

    private static MemcachedClient spy(ConnectionFactoryBuilder.Protocol protocol, List<InetSocketAddress> servers)
            throws IOException {
        return new MemcachedClient(new ConnectionFactoryBuilder().setProtocol(protocol).setOpTimeout(10_000)
                .build(), servers);
    }

    private static void spymemcached(ConnectionFactoryBuilder.Protocol protocol, String p) throws Exception {
        MemcachedClient c = spy(protocol, all());
        try {
            assertTrue(c.set(p + "a", 0, "alpha").get(10, TimeUnit.SECONDS));
            assertEquals("alpha", c.get(p + "a"));
            assertFalse(c.add(p + "a", 0, "x").get(10, TimeUnit.SECONDS));
            assertTrue(c.add(p + "b", 0, "beta").get(10, TimeUnit.SECONDS));
            assertTrue(c.replace(p + "b", 0, "beta2").get(10, TimeUnit.SECONDS));
            assertFalse(c.replace(p + "none", 0, "x").get(10, TimeUnit.SECONDS));
            assertTrue(c.append(0, p + "b", "!").get(10, TimeUnit.SECONDS));
            assertTrue(c.prepend(0, p + "b", "<").get(10, TimeUnit.SECONDS));
            assertEquals("<beta2!", c.get(p + "b"));
            CASValue<Object> cv = c.gets(p + "a");
            assertEquals("alpha", cv.getValue());
            assertEquals(CASResponse.OK, c.cas(p + "a", cv.getCas(), "alpha2"));
            assertEquals(CASResponse.EXISTS, c.cas(p + "a", cv.getCas(), "alpha3"));
            assertEquals("alpha2", c.get(p + "a"));
            assertEquals(10, c.incr(p + "n", 1, 10));
            assertEquals(15, c.incr(p + "n", 5));
            assertEquals(12, c.decr(p + "n", 3));
            assertEquals(-1, c.incr(p + "missing", 1));
            Map<String, Object> bulk = c.getBulk(p + "a", p + "b", p + "missing");
            assertEquals(Map.of(p + "a", "alpha2", p + "b", "<beta2!"), bulk);
            assertTrue(c.touch(p + "a", 100).get(10, TimeUnit.SECONDS));
            if (protocol == ConnectionFactoryBuilder.Protocol.BINARY) { // spymemcached has GAT in binary only
                assertEquals("alpha2", c.getAndTouch(p + "a", 200).getValue());
            }
            assertTrue(c.delete(p + "a").get(10, TimeUnit.SECONDS));
            assertFalse(c.delete(p + "a").get(10, TimeUnit.SECONDS));
            assertNull(c.get(p + "a"));
            byte[] big = new byte[300_000];
            new java.util.Random(1).nextBytes(big);
            assertTrue(c.set(p + "big", 0, big).get(10, TimeUnit.SECONDS));
            assertTrue(java.util.Arrays.equals(big, (byte[]) c.get(p + "big")));
            Map<?, ?> stats = c.getStats();
            assertEquals(3, stats.size());
        } finally {
            c.shutdown(5, TimeUnit.SECONDS);
        }
        // What one node stored, every node serves.
        for (int i = 0; i < 3; i++) {
            MemcachedClient one = spy(protocol, List.of(all().get(i)));
            try {
                assertTrue(one.set(p + "shared" + i, 0, "v" + i).get(10, TimeUnit.SECONDS));
                for (int j = 0; j < 3; j++) {
                    MemcachedClient other = spy(protocol, List.of(all().get(j)));
                    try {
                        assertEquals("v" + i, other.get(p + "shared" + i));
                    } finally {
                        other.shutdown(5, TimeUnit.SECONDS);
                    }
                }
            } finally {
                one.shutdown(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void spymemcachedText() throws Exception {
        spymemcached(ConnectionFactoryBuilder.Protocol.TEXT, "spyt:");
    }

    @Test
    void spymemcachedBinary() throws Exception {
        spymemcached(ConnectionFactoryBuilder.Protocol.BINARY, "spyb:");
    }

    private static String run(List<String> cmd, String stdin) throws Exception {
        // Skipped, not failed, where a client is missing: `mvn verify` on a fresh machine; .ci/run installs them.
        Assumptions.assumeTrue(new File(cmd.get(0)).canExecute(), cmd.get(0) + " is missing: install the Debian "
                + "packages named in docs/memcached-compatibility.md (python3-pymemcache, libmemcached-tools; .ci/run "
                + "installs them); skipped");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
        assertEquals(0, p.exitValue(), cmd + " failed:\n" + out);
        return out;
    }

    @Test
    void pymemcache() throws Exception {
        Assumptions.assumeTrue(run(List.of(PYTHON, "-c", "import importlib.util, sys; "
                + "print(importlib.util.find_spec('pymemcache') is not None)"), null).strip().equals("True"),
                "pymemcache is missing (Debian: apt-get install python3-pymemcache; .ci/run installs it); skipped");
        StringBuilder servers = new StringBuilder();
        for (InetSocketAddress a : all()) {
            servers.append("('127.0.0.1', ").append(a.getPort()).append("),");
        }
        String script = String.join("\n",
                "import sys",
                "try:",
                "    from pymemcache.client.hash import HashClient",
                "    from pymemcache.client.base import Client",
                "except ImportError:",
                "    sys.exit('pymemcache is missing: apt-get install python3-pymemcache')",
                "servers = [" + servers + "]",
                "c = HashClient(servers, connect_timeout=5, timeout=10, ignore_exc=False, retry_attempts=0)",
                "assert c.set('py:a', b'alpha') is True",
                "assert c.get('py:a') == b'alpha'",
                "assert c.add('py:a', b'x', noreply=False) is False",
                "r = c.set_many({'py:b': b'1', 'py:c': b'2'}, noreply=False)",
                "assert r == [], r",
                "assert c.get_many(['py:a', 'py:b', 'py:c', 'py:none']) == {'py:a': b'alpha', 'py:b': b'1', "
                        + "'py:c': b'2'}",
                "assert c.incr('py:b', 41) == 42",
                "assert c.decr('py:b', 50) == 0",
                "assert c.append('py:a', b'!') is True",
                "assert c.prepend('py:a', b'<') is True",
                "assert c.get('py:a') == b'<alpha!'",
                "v, cas = c.gets('py:a')",
                "assert v == b'<alpha!'",
                "assert c.cas('py:a', b'new', cas) is True",
                "assert c.cas('py:a', b'newer', cas) is False",
                "assert c.touch('py:a', 100) is True",
                "assert c.delete('py:a') is True",
                "assert c.get('py:a') is None",
                "for host, port in servers:",
                "    one = Client((host, port), connect_timeout=5, timeout=10)",
                "    assert one.get('py:c') == b'2', (port, one.get('py:c'))",
                "    assert 'version' in {k.decode() if isinstance(k, bytes) else k: 1 for k in one.stats()}",
                "    one.version()",
                "print('pymemcache ok')");
        String out = run(List.of(PYTHON, "-"), script);
        assertTrue(out.contains("pymemcache ok"), out);
    }

    @Test
    void libmemcachedTools(@TempDir Path dir) throws Exception {
        StringBuilder s = new StringBuilder();
        for (InetSocketAddress a : all()) {
            s.append(s.length() == 0 ? "" : ",").append("127.0.0.1:").append(a.getPort());
        }
        String servers = "--servers=" + s;
        Path file = dir.resolve("lm-file.txt");
        Files.writeString(file, "hello from libmemcached\n");
        run(List.of("/usr/bin/memccp", servers, file.toString()), null);
        // memccat prints the value and a newline of its own
        assertEquals("hello from libmemcached\n\n", run(List.of("/usr/bin/memccat", servers, "lm-file.txt"), null));
        run(List.of("/usr/bin/memcrm", servers, "lm-file.txt"), null);
        Process p = new ProcessBuilder("/usr/bin/memccat", servers, "lm-file.txt").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0, "memccat should fail on a removed key");
        run(List.of("/usr/bin/memccp", servers, file.toString()), null);
        run(List.of("/usr/bin/memcflush", servers), null);
        Process q = new ProcessBuilder("/usr/bin/memccat", servers, "lm-file.txt").redirectErrorStream(true).start();
        q.getInputStream().readAllBytes();
        assertTrue(q.waitFor(30, TimeUnit.SECONDS));
        assertTrue(q.exitValue() != 0, "memccat should fail after memcflush");
    }
}
