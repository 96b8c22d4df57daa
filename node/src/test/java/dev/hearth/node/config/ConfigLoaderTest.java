package dev.hearth.node.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.tls.TestCertificates;
import dev.hearth.wire.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private HearthConfig load(String yaml, Map<String, String> env, String... sets) throws IOException {
        Path file = null;
        if (yaml != null) {
            file = dir.resolve("hearth.yaml");
            Files.writeString(file, yaml);
        }
        return new ConfigLoader().load(file, env, List.of(sets));
    }

    private ConfigException fails(String yaml, Map<String, String> env, String... sets) {
        return assertThrows(ConfigException.class, () -> load(yaml, env, sets));
    }

    @Test
    void defaultsGiveASingleLoopbackNode() throws IOException {
        HearthConfig c = load(null, Map.of());
        assertEquals("127.0.0.1", c.cluster().bindAddress());
        assertEquals(List.of("127.0.0.1:47500..47509"), c.cluster().addresses());
        assertEquals(11211, c.ports().memcached());
        assertEquals(8080, c.ports().admin());
        assertEquals(Duration.ofSeconds(20), c.cluster().failureDetectionTimeout());
        assertEquals(0, c.cluster().expectedSize());
        assertEquals(Duration.ofMillis(100), c.memcached().readFailoverAfter());
        assertEquals(Duration.ofSeconds(2), c.memcached().operationTimeout());
        assertEquals(Duration.ofSeconds(30), c.cluster().stuckExchangeTimeout());
        assertEquals(ByteSize.parse("256m"), c.zones().get("default").memory());
        assertEquals(1, c.zones().get("default").backups());
        assertEquals(512L << 20, c.memory().heap().bytes());
        assertTrue(c.node().name().endsWith("-47500"), c.node().name());
    }

    @Test
    void fileThenEnvThenSetInIncreasingPrecedence() throws IOException {
        String yaml = """
                node: {name: alpha, failureDomain: rack-1}
                ports: {admin: 9000, memcached: 9001}
                zones:
                  orders: {memory: 64m, backups: 2}
                """;
        HearthConfig c = load(yaml, Map.of("HEARTH_PORTS_ADMIN", "9100", "HEARTH_PORTS_MEMCACHED", "9101",
                "HEARTH_NODE_FAILURE_DOMAIN", "rack-2", "HEARTH_ZONES_ORDERS_BACKUPS", "3",
                "PATH", "/bin"), "ports.admin=9200");
        assertEquals("alpha", c.node().name());
        assertEquals("rack-2", c.node().failureDomain());
        assertEquals(9200, c.ports().admin());
        assertEquals(9101, c.ports().memcached());
        assertEquals(3, c.zones().get("orders").backups());
        assertEquals(64L << 20, c.zones().get("orders").memory().bytes());
        assertTrue(c.zones().containsKey("default"), "the default zone always exists");
    }

    @Test
    void listsTakeCommaSeparatedValuesAndZonesGetTheDefaultBudget() throws IOException {
        HearthConfig c = load(null, Map.of("HEARTH_CLUSTER_ADDRESSES", "10.0.0.1:47500, 10.0.0.2:47500"),
                "zones.sessions.backups=0", "memory.defaultZoneBudget=32m");
        assertEquals(List.of("10.0.0.1:47500", "10.0.0.2:47500"), c.cluster().addresses());
        assertEquals(32L << 20, c.zones().get("sessions").memory().bytes());
        assertEquals(0, c.zones().get("sessions").backups());
        assertEquals(256L << 20 + 0, c.zones().get("default").memory().bytes(), "an explicit budget stays");
    }

    @Test
    void localCopyIsOnEveryTenSecondsByDefaultAndItsDurationsAreChecked() throws IOException {
        HearthConfig c = load(null, Map.of());
        assertTrue(c.localCopy().enabled());
        assertEquals(java.time.Duration.ofSeconds(10), c.localCopy().interval());
        assertEquals(java.time.Duration.ofSeconds(20), c.localCopy().finalWriteTimeout());
        HearthConfig off = load(null, Map.of("HEARTH_LOCAL_COPY_ENABLED", "false"), "localCopy.interval=2s");
        assertEquals(false, off.localCopy().enabled());
        assertEquals(java.time.Duration.ofSeconds(2), off.localCopy().interval());
        ConfigException tooOften = fails(null, Map.of(), "localCopy.interval=100ms");
        assertEquals("localCopy.interval", tooOften.key());
        assertTrue(tooOften.getMessage().contains("at least 1s"), tooOften.getMessage());
        assertEquals("localCopy.finalWriteTimeout", fails(null, Map.of(), "localCopy.finalWriteTimeout=0s").key());
    }

    @Test
    void busyThreadPoolsFollowTheCoresUnlessSet() throws IOException {
        int half = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        HearthConfig c = load(null, Map.of());
        assertEquals(half, HearthConfig.halfTheCores());
        assertEquals(half, c.cluster().stripedThreads());
        assertEquals(half, c.cluster().selectorThreads());
        assertEquals(half, c.memcached().eventLoopThreads());
        HearthConfig set = load(null, Map.of("HEARTH_MEMCACHED_IO_THREADS", "3"), "cluster.stripedPoolSize=8",
                "cluster.communicationSelectors=4");
        assertEquals(8, set.cluster().stripedThreads());
        assertEquals(4, set.cluster().selectorThreads());
        assertEquals(3, set.memcached().eventLoopThreads());
        assertEquals("cluster.stripedPoolSize", fails(null, Map.of(), "cluster.stripedPoolSize=-1").key());
        assertEquals("cluster.communicationSelectors",
                fails(null, Map.of(), "cluster.communicationSelectors=65").key());
        assertTrue(fails(null, Map.of(), "memcached.ioThreads=1000").getMessage().contains("0-256"));
    }

    @Test
    void localCopyRoundsArePacedOverNineTenthsOfTheIntervalUnlessTurnedOff() throws IOException {
        HearthConfig c = load(null, Map.of(), "localCopy.interval=30s");
        assertTrue(c.localCopy().paced());
        assertEquals(java.time.Duration.ofSeconds(27), c.localCopy().spread());
        HearthConfig off = load(null, Map.of("HEARTH_LOCAL_COPY_PACED", "false"));
        assertEquals(java.time.Duration.ZERO, off.localCopy().spread());
    }

    @Test
    void memcachedAnswerMemoryMustHoldOneLargestValue() throws Exception {
        HearthConfig c = load(null, Map.of("HEARTH_MEMCACHED_OUTPUT_MEMORY", "32m"));
        assertEquals(32L << 20, c.memcached().outputMemory().bytes());
        assertEquals(16L << 20, c.memcached().connectionOutput().bytes());
        assertEquals(java.time.Duration.ofSeconds(30), c.memcached().slowReaderTimeout());
        ConfigException small = fails(null, Map.of(), "memcached.maxItemSize=2m", "memcached.connectionOutput=2m");
        assertEquals("memcached.connectionOutput", small.key());
        assertTrue(small.getMessage().contains("maxItemSize"), small.getMessage());
        assertEquals("memcached.outputMemory", fails(null, Map.of(), "memcached.outputMemory=8m").key());
    }

    @Test
    void tlsNeedsItsThreeFilesAndTheSecretComesFromOnePlace() throws IOException {
        HearthConfig off = load(null, Map.of());
        assertEquals(false, off.tls().enabled());
        assertEquals(Duration.ofSeconds(30), off.tls().reloadInterval());
        assertEquals("", ConfigLoader.clusterSecret(off.cluster()));

        TestCertificates.Ca authority = TestCertificates.ca("config-ca");
        TestCertificates.Leaf leaf = authority.issue("n0");
        Path cert = leaf.writeCert(dir.resolve("node.crt"));
        Path key = leaf.writeKey(dir.resolve("node.key"));
        Path ca = authority.write(dir.resolve("ca.pem"));
        ConfigException noCa = fails(null, Map.of("HEARTH_TLS_ENABLED", "true", "HEARTH_TLS_CERT_FILE", cert.toString(),
                "HEARTH_TLS_KEY_FILE", key.toString()));
        assertEquals("tls.caFile", noCa.key());
        assertTrue(noCa.getMessage().contains("the cluster CA"), noCa.getMessage());
        ConfigException missing = fails(null, Map.of(), "tls.enabled=true", "tls.certFile=" + cert,
                "tls.keyFile=" + dir.resolve("nope.key"), "tls.caFile=" + ca);
        assertEquals("tls.keyFile", missing.key());
        assertTrue(missing.getMessage().contains("nope.key does not exist or is not readable"), missing.getMessage());
        HearthConfig on = load(null, Map.of(), "tls.enabled=true", "tls.certFile=" + cert, "tls.keyFile=" + key,
                "tls.caFile=" + ca, "tls.reloadInterval=5s");
        assertEquals(ca.toString(), on.tls().caFile());
        assertEquals("tls.reloadInterval", fails(null, Map.of(), "tls.reloadInterval=100ms").key());
        Path otherKey = authority.issue("n1").writeKey(dir.resolve("other.key"));
        ConfigException notAPair = fails(null, Map.of(), "tls.enabled=true", "tls.certFile=" + cert,
                "tls.keyFile=" + otherKey, "tls.caFile=" + ca);
        assertEquals("tls.keyFile", notAPair.key());
        assertTrue(notAPair.getMessage().contains("is not the private key of the certificate"), notAPair.getMessage());
        ConfigException caNotPem = fails(null, Map.of(), "tls.enabled=true", "tls.certFile=" + cert,
                "tls.keyFile=" + key, "tls.caFile=" + key);
        assertEquals("tls.caFile", caNotPem.key());

        assertEquals("cluster.secret", fails(null, Map.of(), "cluster.secret=short").key());
        Path secret = Files.writeString(dir.resolve("secret"), "  a-long-enough-cluster-secret\n");
        HearthConfig fromFile = load(null, Map.of("HEARTH_CLUSTER_SECRET_FILE", secret.toString()));
        assertEquals("a-long-enough-cluster-secret", ConfigLoader.clusterSecret(fromFile.cluster()));
        ConfigException both = fails(null, Map.of(), "cluster.secret=a-long-enough-cluster-secret",
                "cluster.secretFile=" + secret);
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        assertEquals("cluster.secretFile", fails(null, Map.of(), "cluster.secretFile=" + dir.resolve("none")).key());
    }

    @Test
    void unknownKeyIsNamedWithTheAllowedOnes() {
        ConfigException e = fails("ports: {admn: 1}\n", Map.of());
        assertEquals("ports.admn", e.key());
        assertTrue(e.getMessage().contains("allowed here: admin, communication, discovery, memcached, thinClient"),
                e.getMessage());
    }

    @Test
    void badValuesNameTheKeyAndWhatIsAllowed() {
        assertEquals("ports.admin", fails(null, Map.of(), "ports.admin=http").key());
        assertTrue(fails(null, Map.of(), "ports.admin=70000").getMessage().contains("0-65535"));
        ConfigException size = fails(null, Map.of("HEARTH_MEMORY_HEAP", "lots"));
        assertEquals("memory.heap", size.key());
        assertTrue(size.getMessage().contains("not a size"), size.getMessage());
        ConfigException disco = fails("cluster: {discovery: multicast}\n", Map.of());
        assertEquals("cluster.discovery", disco.key());
        assertTrue(disco.getMessage().contains("kubernetes, static"), disco.getMessage());
        assertEquals("cluster.failureDetectionTimeout",
                fails(null, Map.of(), "cluster.failureDetectionTimeout=10").key());
        ConfigException stuck = fails(null, Map.of(), "cluster.stuckExchangeTimeout=5s");
        assertEquals("cluster.stuckExchangeTimeout", stuck.key());
        assertTrue(stuck.getMessage().contains("at least 10s"), stuck.getMessage());
        assertDoesNotThrow(() -> load(null, Map.of(), "cluster.stuckExchangeTimeout=0s"), "0 turns the exit off");
        assertEquals("zones.Bad_Zone", fails("zones: {Bad_Zone: {}}\n", Map.of()).key());
        assertEquals("zones.small.memory", fails(null, Map.of(), "zones.small.memory=1m").key());
        assertEquals("zones.default.backups", fails(null, Map.of(), "zones.default.backups=9").key());
        assertTrue(fails(null, Map.of(), "ports.admin=11211").getMessage().contains("already used by ports.memcached"));
        assertEquals("logging.format", fails(null, Map.of(), "logging.format=xml").key());
        assertEquals("memory.heap", fails(null, Map.of(), "memory.heap=1m").key());
        ConfigException heap = fails(null, Map.of(), "memory.heap=255m");
        assertTrue(heap.getMessage().contains("256m for a maxItemSize of 1048576 bytes"), heap.getMessage());
        assertDoesNotThrow(() -> load(null, Map.of(), "memory.heap=255m", "memcached.maxItemSize=512k"));
    }

    @Test
    void brokenFilesAndBadOverridesAreReportedNotThrownRaw() {
        ConfigException yaml = fails("ports: [unclosed\n", Map.of());
        assertTrue(yaml.getMessage().contains("not valid YAML") && yaml.getMessage().contains("line"),
                yaml.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> new ConfigLoader().load(dir.resolve("absent.yaml"), Map.of(), List.of()));
        assertTrue(missing.getMessage().contains("cannot read config file"), missing.getMessage());
        assertTrue(fails(null, Map.of(), "ports").getMessage().contains("key=value"));
        assertTrue(fails(null, Map.of(), "nosuch.key=1").getMessage().contains("no such key"));
        assertTrue(fails(null, Map.of(), "ports=1").getMessage().contains("is a section"));
        assertTrue(fails("- a list\n", Map.of()).getMessage().contains("mapping"));
    }

    @Test
    void unknownEnvVarsWarnAndScriptVarsAreIgnored() throws IOException {
        ConfigLoader loader = new ConfigLoader();
        loader.load(null, Map.of("HEARTH_PROTS_ADMIN", "1", "HEARTH_HOME", "/opt/hearth"), List.of());
        assertEquals(List.of("env var HEARTH_PROTS_ADMIN names no config key; ignored"), loader.warnings());
    }

    @Test
    void envNamesFollowTheKeyPath() {
        assertEquals("HEARTH_NODE_FAILURE_DOMAIN", ConfigLoader.envName("node.failureDomain"));
        assertEquals("HEARTH_PORTS_THIN_CLIENT", ConfigLoader.envName("ports.thinClient"));
        assertEquals("HEARTH_CLUSTER_KUBERNETES_MASTER_URL", ConfigLoader.envName("cluster.kubernetes.masterUrl"));
    }

    @Test
    void sizesAndDurationsParse() {
        assertEquals(1536, ByteSize.parse("1536").bytes());
        assertEquals(64L << 10, ByteSize.parse("64k").bytes());
        assertEquals(2L << 30, ByteSize.parse("2G").bytes());
        assertEquals(3L << 20, ByteSize.parse("3MiB").bytes());
        assertEquals("256m", ByteSize.parse("256m").toString());
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("-1m"));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("99999999999999999t"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 fortnights"));
        assertEquals("2s", Durations.format(Duration.ofSeconds(2)));
    }

    @Test
    void memcachedSecurityDefaultsAndChecks() throws IOException {
        HearthConfig c = load(null, Map.of());
        assertEquals(false, c.memcached().saslOverPlaintext());
        assertEquals(3, c.memcached().maxAuthFailures());
        assertEquals("", c.memcached().usersFile());
        // Without TLS no client could authenticate: refused at load, naming the way out.
        ConfigException noTls = fails(null, Map.of(), "memcached.tenantMode=authenticated", "memcached.users.alice=pw");
        assertEquals("memcached.saslOverPlaintext", noTls.key());
        assertTrue(noTls.getMessage().contains("tls.enabled=true"), noTls.getMessage());
        ConfigLoader loader = new ConfigLoader();
        loader.load(null, Map.of("HEARTH_MEMCACHED_SASL_OVER_PLAINTEXT", "true"),
                List.of("memcached.tenantMode=authenticated", "memcached.users.alice=pw"));
        assertEquals(List.of("memcached.saslOverPlaintext=true without TLS: SASL passwords cross the network in "
                + "cleartext"), loader.warnings());
        assertEquals("memcached.maxAuthFailures", fails(null, Map.of(), "memcached.maxAuthFailures=0").key());
        ConfigException badHash = fails(null, Map.of(), "memcached.users.alice=pbkdf2-sha256$5$c2FsdHNhbHQ$AAAA");
        assertEquals("memcached.users.alice", badHash.key());
        assertTrue(badHash.getMessage().contains("iterations 5 out of range"), badHash.getMessage());
        ConfigException empty = fails(null, Map.of(), "memcached.users.alice=");
        assertTrue(empty.getMessage().contains("empty password"), empty.getMessage());
    }

    @Test
    void memcachedUsersFileIsCheckedAtLoad() throws IOException {
        Path users = dir.resolve("users");
        Files.writeString(users, "# tenants\nalice:" + dev.hearth.node.auth.PasswordHash.hash("pw", 1000)
                + "\n\nbob:plain\n");
        HearthConfig c = load(null, Map.of("HEARTH_MEMCACHED_USERS_FILE", users.toString()),
                "memcached.tenantMode=authenticated", "memcached.saslOverPlaintext=true");
        assertEquals(users.toString(), c.memcached().usersFile());
        ConfigException both = fails(null, Map.of(), "memcached.usersFile=" + users, "memcached.users.carol=x");
        assertEquals("memcached.usersFile", both.key());
        ConfigException missing = fails(null, Map.of(), "memcached.usersFile=" + dir.resolve("nope"));
        assertTrue(missing.getMessage().contains("cannot read"), missing.getMessage());
        Files.writeString(users, "alice:pbkdf2-sha256$1000$not base64!$AAAA\n");
        ConfigException bad = fails(null, Map.of(), "memcached.usersFile=" + users);
        assertTrue(bad.getMessage().contains("line 1: user 'alice': pbkdf2-sha256 hash: salt is not Base64"),
                bad.getMessage());
        Files.writeString(users, "# nobody\n");
        ConfigException none = fails(null, Map.of(), "memcached.usersFile=" + users,
                "memcached.tenantMode=authenticated", "memcached.saslOverPlaintext=true");
        assertEquals("memcached.users", none.key());
    }
}
