package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lints the Dockerfile with two independent linters from the npm registry (dockerfilelint, dockerfile-utils),
 * installed into target/ on first use, and checks the properties the image promises.
 */
@Timeout(600)
class DockerfileLintTest {
    static final Path DOCKERFILE = Path.of("../Dockerfile").toAbsolutePath().normalize();
    static final Path NPM = Path.of("target/npm").toAbsolutePath();

    record Result(int exit, String output) {
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }

    @BeforeAll
    static void installLinters() throws Exception {
        if (Files.isExecutable(NPM.resolve("node_modules/.bin/dockerfilelint"))
                && Files.isExecutable(NPM.resolve("node_modules/.bin/dockerfile-utils"))) {
            return;
        }
        Files.createDirectories(NPM);
        Result r;
        try {
            r = run(List.of("npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", NPM.toString(),
                    "dockerfilelint@1.8.0", "dockerfile-utils@0.16.3"));
        } catch (IOException e) {
            // The linters are skipped, not failed, without npm (`mvn verify` on a fresh machine; .ci/run installs
            // it); the Dockerfile's own checks below still run.
            noNpm = "npm is needed to lint the Dockerfile (Node.js from the machine, or Debian's nodejs and npm "
                    + "packages; .ci/run installs them): " + e.getMessage() + "; skipped";
            return;
        }
        assertEquals(0, r.exit(), "npm install of the Dockerfile linters failed:\n" + r.output());
    }

    /** Why the linters cannot run here, or null. */
    private static String noNpm;

    @Test
    void dockerfilelintFindsNoIssue() throws Exception {
        assumeTrue(noNpm == null, noNpm);
        Result r = run(List.of(NPM.resolve("node_modules/.bin/dockerfilelint").toString(), DOCKERFILE.toString()));
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void dockerfileUtilsFindsNoProblem() throws Exception {
        assumeTrue(noNpm == null, noNpm);
        Result r = run(List.of(NPM.resolve("node_modules/.bin/dockerfile-utils").toString(), "lint",
                DOCKERFILE.toString()));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().isBlank(), "dockerfile-utils reported:\n" + r.output());
    }

    @Test
    void theImageKeepsItsPromises() throws IOException {
        String d = Files.readString(DOCKERFILE);
        // Numeric, so that Kubernetes can verify runAsNonRoot; the manifests' runAsUser is checked against it.
        assertTrue(d.matches("(?s).*\\nUSER 10001:10001\\n.*") && d.contains("--uid 10001 --gid 10001"),
                "runs as the non-root user 10001:10001, created with that uid and gid");
        assertTrue(d.contains("CMD [\"/opt/hearth/bin/hearth-probe\", \"live\"]"),
                "health check on /health/live through bin/hearth-probe (HTTP, or HTTPS with the node's certificate)");
        // The image gets bin/ either by COPY or from the release archive (dist/src/assembly/hearth.xml), whichever
        // this tree uses; the probe (also the TLS overlay's Kubernetes probe) must come along either way.
        Path assembly = DOCKERFILE.resolveSibling("dist/src/assembly/hearth.xml");
        assertTrue(d.matches("(?s).*COPY [^\\n]*bin/hearth-probe[^\\n]*/opt/hearth/bin/.*")
                || Files.exists(assembly) && Files.readString(assembly).contains("<include>hearth-probe</include>"),
                "the image must contain /opt/hearth/bin/hearth-probe");
        assertTrue(d.contains("bin/jvm.options"), "uses the project's one JVM flag file");
        assertTrue(d.contains("STOPSIGNAL SIGTERM") && d.contains("ENTRYPOINT [\""), "exec-form entrypoint, SIGTERM");
        for (String port : new String[] {"11211", "8080", "10800", "47500", "47100"}) {
            assertTrue(d.matches("(?s).*EXPOSE[^\\n]*" + port + ".*"), "exposes " + port);
        }
        String entry = Files.readString(DOCKERFILE.resolveSibling("bin/docker-entrypoint"));
        assertTrue(entry.contains("memory.max") && entry.contains("HEARTH_MEMORY_HEAP"),
                "sizes memory from the container limit");
        assertTrue(entry.contains("exec \"$HEARTH_HOME/bin/hearth-node\""), "execs, so the JVM gets SIGTERM");
    }
}
