package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.cli.command.LocalCommands;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * hearthctl and the admin token: {@code --token} and {@code HEARTH_TOKEN} are sent as a bearer token on every call,
 * and a node's 401/403 is exit 6 with a message that says what to do. Against admin ports that answer as a node with
 * {@code admin.token} does (the node's side is tested with real nodes in the node module: AdminAuthClusterTest).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminTokenTest {
    static final String TOKEN = "cli-admin-token-0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void theTokenOptionIsSentToEveryNode() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2").token(TOKEN)) {
            CliRun r = CliRun.of("status", "--admin", nodes.admin("n0"), "--token", TOKEN);
            assertEquals(0, r.code(), r.toString());
            assertFalse(nodes.authorizations.isEmpty());
            for (String n : List.of("n0", "n1", "n2")) {
                assertTrue(nodes.authorizations.contains(n + " GET /status: Bearer " + TOKEN), nodes.authorizations
                        .toString());
            }
            assertTrue(nodes.authorizations.stream().allMatch(a -> a.endsWith(": Bearer " + TOKEN)),
                    nodes.authorizations.toString());
        }
    }

    @Test
    void aMissingOrWrongTokenIsExit6WithWhatToDo() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1").token(TOKEN)) {
            CliRun none = CliRun.of("status", "--admin", nodes.admin("n0"));
            assertEquals(ExitCodes.UNAUTHORISED, none.code(), none.toString());
            assertTrue(none.err().contains("(401)") && none.err().contains("--token or HEARTH_TOKEN"), none.err());
            CliRun wrong = CliRun.of("status", "--admin", nodes.admin("n0"), "--token", "not-the-token-0123456789");
            assertEquals(ExitCodes.UNAUTHORISED, wrong.code(), wrong.toString());
            assertTrue(wrong.err().contains("(403)") && wrong.err().contains("current admin token"), wrong.err());
            // An action that is not preceded by discovery (tenant commands talk to one node) maps the same way.
            CliRun tenant = CliRun.of("tenant", "list", "--admin", nodes.admin("n0"), "--token", "not-the-token-01");
            assertEquals(ExitCodes.UNAUTHORISED, tenant.code(), tenant.toString());
            // Nodes without a token ignore one (a cluster before its token is configured).
            nodes.token(null);
            CliRun open = CliRun.of("status", "--admin", nodes.admin("n0"), "--token", TOKEN);
            assertEquals(0, open.code(), "an open node ignores the token: " + open);
        }
    }

    @Test
    void theHelpListsExitCode6() {
        CliRun help = CliRun.of("--help");
        assertTrue(help.out().contains("6  unauthorised"), help.out());
        assertTrue(CliRun.of("status", "--help").out().contains("HEARTH_TOKEN"));
    }

    @Test
    void hearthTokenInTheEnvironmentIsUsedAndTheOptionWins() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0").token(TOKEN)) {
            CliRun ok = hearthctl(Map.of("HEARTH_TOKEN", TOKEN), "status", "--admin", nodes.admin("n0"));
            assertEquals(0, ok.code(), ok.toString());
            CliRun wins = hearthctl(Map.of("HEARTH_TOKEN", TOKEN), "status", "--admin", nodes.admin("n0"),
                    "--token", "the-option-wins-0123456789");
            assertEquals(ExitCodes.UNAUTHORISED, wins.code(), wins.toString());
            assertTrue(wins.out().contains("(403)"), wins.toString());
        }
    }

    @Test
    void localUpAuthWritesAnOwnerOnlyTokenFileAndKeepsIt() throws Exception {
        Path local = dir.resolve("local");
        Path file = LocalCommands.tokenFile(local, null);
        String token = Files.readString(file).strip();
        assertTrue(token.matches("[0-9a-f]{64}"), token);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(file, LocalCommands.tokenFile(local, "ignored-now-the-file-exists"));
        assertEquals(token, Files.readString(file).strip(), "kept for the next local up");
        Path preset = LocalCommands.tokenFile(dir.resolve("preset"), TOKEN);
        assertEquals(TOKEN, Files.readString(preset).strip(), "HEARTH_TOKEN is used when set");
        CliException bad = org.junit.jupiter.api.Assertions.assertThrows(CliException.class,
                () -> LocalCommands.tokenFile(dir.resolve("bad"), "short"));
        assertEquals(ExitCodes.USAGE, bad.exitCode());
    }

    /** hearthctl as its own process (this test's classpath), so that a test can set its environment. */
    private static CliRun hearthctl(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("HEARTH_TOKEN");
        pb.environment().putAll(env);
        Process p = pb.start();
        // Read to the end first: the process exits once its output is taken.
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "hearthctl did not exit: " + out);
        return new CliRun(p.exitValue(), out, "(merged into stdout)");
    }
}
