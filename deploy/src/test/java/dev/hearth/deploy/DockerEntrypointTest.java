package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bin/docker-entrypoint's memory sizing, run for real with a given limit: what it hands bin/hearth-node (here a
 * script that prints its environment in place of the node) must fit the limit by the memory formula of
 * docs/configuration.md, heap + direct + 1.5 x system + zones + 256 MiB of JVM overhead.
 */
@Timeout(60)
class DockerEntrypointTest {
    static final Path ENTRYPOINT = Path.of("../bin/docker-entrypoint").toAbsolutePath().normalize();

    @TempDir
    Path home;

    @ParameterizedTest
    @ValueSource(strings = {"1g", "2g", "4g", "16g", "805306368"})
    void theSizesFitTheLimitByTheFormula(String limit) throws Exception {
        Map<String, String> env = run(limit, Map.of());
        long limitMb = mb(limit);
        long heap = mb(env.get("HEARTH_MEMORY_HEAP"));
        long direct = mb(env.get("HEARTH_MEMORY_DIRECT_MEMORY"));
        long system = mb(env.get("HEARTH_MEMORY_SYSTEM_REGION"));
        long zone = mb(env.get("HEARTH_ZONES_DEFAULT_MEMORY"));
        assertTrue(heap >= 256 && direct >= 64 && zone >= 64, env.toString());
        assertEquals(limitMb, heap + direct + system * 3 / 2 + zone + 256, "the whole limit, by the formula: " + env);
    }

    @Test
    void keysAlreadySetAreKeptAndATooSmallLimitChangesNothing() throws Exception {
        Map<String, String> env = run("2g", Map.of("HEARTH_MEMORY_HEAP", "300m"));
        assertEquals("300m", env.get("HEARTH_MEMORY_HEAP"));
        Map<String, String> small = run("512m", Map.of());
        assertFalse(small.containsKey("HEARTH_ZONES_DEFAULT_MEMORY"), small.toString());
        assertTrue(small.get("stderr").contains("too small for the sizing rule"), small.get("stderr"));
    }

    private Map<String, String> run(String limit, Map<String, String> extra) throws IOException, InterruptedException {
        return run(home, limit, extra);
    }

    /**
     * Runs the entry point in {@code home} with HEARTH_MEMORY_LIMIT={@code limit} and {@code extra} set, bin/hearth-node
     * replaced by a script that prints its environment; what that script got (key "stderr": the entry point's stderr).
     */
    static Map<String, String> run(Path home, String limit, Map<String, String> extra)
            throws IOException, InterruptedException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path node = bin.resolve("hearth-node");
        Files.writeString(node, "#!/usr/bin/env bash\nenv | grep '^HEARTH_'\n");
        Files.setPosixFilePermissions(node, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder(ENTRYPOINT.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("HEARTH_"));
        pb.environment().put("HEARTH_HOME", home.toString());
        pb.environment().put("HEARTH_MEMORY_LIMIT", limit);
        pb.environment().put("HEARTH_CLUSTER_BIND_ADDRESS", "127.0.0.1");
        pb.environment().putAll(extra);
        Path err = home.resolve("stderr");
        Process p = pb.redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(err));
        Map<String, String> env = new HashMap<>();
        out.lines().filter(l -> l.contains("=")).forEach(l -> env.put(l.substring(0, l.indexOf('=')),
                l.substring(l.indexOf('=') + 1)));
        env.put("stderr", Files.readString(err));
        return env;
    }

    private static long mb(String size) {
        String s = size.toLowerCase(java.util.Locale.ROOT);
        long n = Long.parseLong(s.replaceAll("[kmg]$", ""));
        return s.endsWith("g") ? n << 10 : s.endsWith("m") ? n : s.endsWith("k") ? n >> 10 : n >> 20;
    }
}
