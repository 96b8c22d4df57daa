package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Argument parsing and exit codes, without any node. */
@Timeout(120)
class CliArgsTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "status", "local", "local up", "local down", "local status", "node", "node restart",
            "rolling-restart", "dump", "dump create", "dump list", "dump verify", "warmup", "completion", "cluster",
            "cluster forget"})
    void everyCommandHasHelp(String command) {
        String[] args = (command.isEmpty() ? "--help" : command + " --help").split(" ");
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("Usage: hearthctl"), r.toString());
    }

    @Test
    void topLevelHelpDocumentsExitCodes() {
        CliRun r = CliRun.of("--help");
        for (String line : new String[] {"0  ok", "1  the operation failed", "2  usage error", "3  refused as unsafe",
                "4  the cluster or a node is unreachable"}) {
            assertTrue(r.out().contains(line), "missing '" + line + "' in\n" + r.out());
        }
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, CliRun.of().code());
        assertEquals(2, CliRun.of("frobnicate").code());
        assertEquals(2, CliRun.of("status", "--output", "xml").code());
        assertEquals(2, CliRun.of("rolling-restart", "--timeout", "soon").code());
        assertEquals(2, CliRun.of("node", "restart").code());
        assertEquals(2, CliRun.of("dump", "verify").code());
        assertEquals(2, CliRun.of("warmup").code());
        assertEquals(2, CliRun.of("local", "up", "--nodes", "0").code());
        assertEquals(2, CliRun.of("local", "up", "--set", "novalue").code());
        assertEquals(2, CliRun.of("dump", "create", "--name", "bad/name").code());
        CliRun r = CliRun.of("status", "--admin", "localhost");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("is not HOST:PORT"), r.toString());
        assertEquals(2, CliRun.of("status", "--admin", "localhost:99999").code());
    }

    /** Checked before any connection is made: nothing needs to listen at the address. */
    @Test
    void benchUsageErrorsExit2() {
        String[] base = {"bench", "--servers", "127.0.0.1:1"};
        for (String[] extra : new String[][] {{"--target", "redis"}, {"--target", "thin", "--rate", "-5"},
                {"--target", "thin", "--rate", "NaN"}, {"--target", "client", "--compare", "memcached"},
                {"--target", "thin", "--compare", "thin"}, {"--target", "client", "--compare", "thin", "--rate", "100"},
                {"--target", "client", "--compare", "thin", "--slice", "0"},
                {"--target", "client", "--pipeline", "16"}}) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
                    .toArray(String[]::new);
            assertEquals(2, CliRun.of(args).code(), String.join(" ", args));
        }
    }

    @Test
    void unreachableClusterExits4WithAClearMessage() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        for (String[] cmd : new String[][] {{"status"}, {"rolling-restart"}, {"node", "restart", "n0"},
                {"dump", "create"}, {"dump", "list"}, {"dump", "verify", "x"}, {"warmup", "--from", "x"}}) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(cmd),
                    java.util.stream.Stream.of("--admin", "127.0.0.1:" + port)).toArray(String[]::new);
            CliRun r = CliRun.of(args);
            assertEquals(4, r.code(), String.join(" ", cmd) + ": " + r);
            assertTrue(r.err().contains("cannot reach the cluster through 127.0.0.1:" + port), r.toString());
        }
    }

    @Test
    void completionScriptCoversCommands() {
        CliRun r = CliRun.of("completion");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("complete -F"), "not a bash completion script");
        assertTrue(r.out().contains("rolling-restart") && r.out().contains("warmup"), "commands missing");
    }

    @Test
    void localDownWithNothingRunningIsOk(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        CliRun r = CliRun.of("local", "down", "--dir", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, CliRun.of("local", "status", "--dir", dir.toString()).code());
    }
}
