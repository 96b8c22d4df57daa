package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive that {@code mvn package} builds (module dist): the layout the Dockerfile and the systemd unit
 * install under /opt/hearth, runnable as unpacked, and stamped with the build's version.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DistributionArchiveTest {
    static final String VERSION = System.getProperty("hearth.version", "");
    static final Path ARCHIVE = Path.of("../dist/target/hearth-" + VERSION + ".tar.gz").toAbsolutePath().normalize();

    @TempDir
    static Path unpacked;
    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        assertTrue(!VERSION.isEmpty(), "hearth.version is set by the build");
        assertTrue(Files.isRegularFile(ARCHIVE), "the release archive is built before this module: " + ARCHIVE);
        Run r = run(unpacked, "tar", "xzf", ARCHIVE.toString(), "-C", unpacked.toString());
        assertEquals(0, r.exit(), r.output());
        try (Stream<Path> top = Files.list(unpacked)) {
            List<Path> dirs = top.toList();
            assertEquals(List.of(unpacked.resolve("hearth-" + VERSION)), dirs, "one top directory");
        }
        home = unpacked.resolve("hearth-" + VERSION);
    }

    @Test
    void holdsTheInstalledLayout() throws IOException {
        for (String script : new String[] {"bin/hearth-node", "bin/hearthctl", "bin/docker-entrypoint",
            "bin/hearth-probe"}) {
            assertTrue(Files.getPosixFilePermissions(home.resolve(script)).contains(
                    PosixFilePermission.OWNER_EXECUTE), script + " is executable");
        }
        for (String file : new String[] {"bin/jvm.options", "lib/hearth-node.jar", "cli-lib/hearth-cli.jar",
            "conf/hearth.yaml", "LICENSE", "README.md", "docs/operations.md", "docs/configuration.md"}) {
            assertTrue(Files.isRegularFile(home.resolve(file)), "missing " + file);
        }
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            assertTrue(lib.anyMatch(p -> p.getFileName().toString().startsWith("ignite-core-")),
                    "the node's runtime dependencies are in lib/");
        }
    }

    @Test
    void everyHearthJarCarriesTheVersion() throws IOException {
        for (String jar : new String[] {"lib/hearth-node.jar", "cli-lib/hearth-cli.jar",
            "cli-lib/hearth-client-" + VERSION + ".jar"}) {
            try (JarFile j = new JarFile(home.resolve(jar).toFile())) {
                assertEquals(VERSION, j.getManifest().getMainAttributes().getValue("Implementation-Version"), jar);
            }
        }
    }

    @Test
    void bothCommandsRunFromTheArchiveAndPrintItsVersion() throws Exception {
        Run node = run(unpacked, home.resolve("bin/hearth-node").toString(), "--version");
        assertEquals(0, node.exit(), node.output());
        assertEquals("hearth-node " + VERSION, node.output().strip());
        Run ctl = run(unpacked, home.resolve("bin/hearthctl").toString(), "--version");
        assertEquals(0, ctl.exit(), ctl.output());
        assertEquals("hearthctl " + VERSION, ctl.output().strip());
    }

    @Test
    void theImageInstallsThisArchive() throws IOException {
        List<String> dockerfile = Files.readAllLines(Path.of("../Dockerfile"));
        assertTrue(dockerfile.contains("ARG HEARTH_VERSION=" + VERSION), "the Dockerfile's default version is "
                + "the build's (" + VERSION + ")");
        assertTrue(dockerfile.contains("ADD dist/target/hearth-${HEARTH_VERSION}.tar.gz /opt/"), "unpacks the archive");
    }

    /**
     * A class-data archive is used where it fits, and one that does not (recorded for other jars, another JVM build)
     * costs only start time: the JVM's warning goes to stderr, and stdout stays the commands' own (bin/hearth-node
     * reads its memory flags from a first JVM's stdout; scripts read hearthctl's).
     */
    @Test
    void aClassArchiveThatDoesNotFitNeitherBreaksNorPollutesTheCommands() throws Exception {
        Path ctlArchive = home.resolve("cli-lib/hearthctl.jsa");
        Path nodeArchive = home.resolve("lib/hearth-node.jsa");
        try {
            Run recorded = run(unpacked, home.resolve("bin/hearthctl").toString(), "--record-class-archive");
            assertEquals(0, recorded.exit(), recorded.output());
            assertTrue(Files.size(ctlArchive) > 1_000_000, recorded.output());
            Run ctl = runStdout(unpacked, home.resolve("bin/hearthctl").toString(), "--version");
            assertEquals("hearthctl " + VERSION, ctl.output().strip());
            // picocli's classes are compiled for Java 5, which Java 17 keeps out of a dynamic archive: only the
            // static archive the script records maps them.
            Run loaded = run(unpacked, java.util.Map.of("HEARTHCTL_JAVA_OPTS", "-Xlog:class+load=info:stdout"),
                    home.resolve("bin/hearthctl").toString(), "--version");
            assertTrue(loaded.output().contains("picocli.CommandLine source: shared objects file"), loaded.output());
            // hearthctl's archive where the node's belongs: its class path is not the node's.
            Files.copy(ctlArchive, nodeArchive);
            Run flags = runStdout(unpacked, home.resolve("bin/hearth-node").toString(), "--print-jvm-options",
                    "--set", "memory.heap=300m");
            assertEquals(0, flags.exit(), flags.output());
            assertEquals("-Xms300m -Xmx300m -XX:MaxDirectMemorySize=128m", flags.output().strip());
        } finally {
            Files.deleteIfExists(ctlArchive);
            Files.deleteIfExists(nodeArchive);
        }
    }

    record Run(int exit, String output) {
    }

    /** As {@link #run}, keeping only stdout. */
    static Run runStdout(Path dir, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("HEARTH_HOME");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs a command with HEARTH_HOME unset, so the scripts find their layout from where they are. */
    static Run run(Path dir, String... command) throws Exception {
        return run(dir, java.util.Map.of(), command);
    }

    /** As {@link #run(Path, String...)}, with these variables set. */
    static Run run(Path dir, java.util.Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("HEARTH_HOME");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
