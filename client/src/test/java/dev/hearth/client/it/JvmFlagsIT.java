package dev.hearth.client.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.client.internal.JvmAccess;
import dev.hearth.client.noflags.OneFlagApplication;
import dev.hearth.client.testing.ProcessCluster;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which JVM flags an application embedding hearth-client needs: one, {@link JvmAccess#FLAG}, of the 24 a node takes.
 * {@link OneFlagApplication} runs every kind of call against a real 2-node cluster (two, so that partition awareness
 * and the read failover's per-node connections are used) in a fresh JVM: with no flag at all it stops at
 * {@code build()} with a message naming the flag; with that flag alone, or with no flag on the command line and the
 * flag in its jar's manifest ({@code java -jar}, as a Spring Boot jar starts), everything works.
 */
@Timeout(300)
class JvmFlagsIT {
    private static ProcessCluster cluster;
    private static final String CLASS_PATH = System.getProperty("surefire.test.class.path",
            System.getProperty("java.class.path"));

    @TempDir
    Path dir;

    @BeforeAll
    static void up() throws Exception {
        cluster = ProcessCluster.start(2, Path.of("target/it-jvm-flags"));
    }

    @AfterAll
    static void down() throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** Runs a fresh JVM with {@code args} (no inherited options) and returns its exit code and output. */
    private static String[] run(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(args);
        cmd.add(String.join(",", cluster.thinClientAddresses()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        Process p = pb.start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8); // until the process closes it
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    private static void assertWorked(String[] result) {
        String out = result[1];
        assertEquals("0", result[0], out);
        assertTrue(out.contains("\nOK "), out);
        assertFalse(out.contains("InaccessibleObjectException"), out);
    }

    @Test
    void withoutAnyFlagTheClientRefusesToStartAndNamesTheOneFlagItNeeds() throws Exception {
        String[] r = run(List.of("-cp", CLASS_PATH, OneFlagApplication.class.getName()));
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("jvm arguments: []"), r[1]);
        assertTrue(r[1].contains("FAILED: java.lang.IllegalStateException: hearth-client needs one JVM flag, "
                + JvmAccess.FLAG), r[1]);
        assertFalse(r[1].contains("ExceptionInInitializerError"), "it fails before Ignite does: " + r[1]);
    }

    @Test
    void withThatFlagAloneEveryCallWorks() throws Exception {
        String[] r = run(List.of(JvmAccess.FLAG, "-cp", CLASS_PATH, OneFlagApplication.class.getName()));
        assertTrue(r[1].contains("jvm arguments: [" + JvmAccess.FLAG + "]"), r[1]);
        assertWorked(r);
    }

    @Test
    void withTheFlagInTheJarManifestTheCommandLineNeedsNone() throws Exception {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.put(Attributes.Name.MAIN_CLASS, OneFlagApplication.class.getName());
        a.put(new Attributes.Name("Add-Opens"), "java.base/java.nio");
        a.put(Attributes.Name.CLASS_PATH, Arrays.stream(CLASS_PATH.split(File.pathSeparator))
                .filter(e -> !e.isBlank()).map(e -> Path.of(e).toUri().toString()).collect(Collectors.joining(" ")));
        Path jar = dir.resolve("app.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        String[] r = run(List.of("-jar", jar.toString()));
        assertTrue(r[1].contains("jvm arguments: []"), r[1]);
        assertWorked(r);
    }
}
