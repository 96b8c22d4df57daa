package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** verify and zone recover: arguments, help and exit codes, without any node. */
@Timeout(60)
class IntegrityArgsTest {
    @ParameterizedTest
    @ValueSource(strings = {"verify", "zone", "zone recover"})
    void helpExists(String command) {
        CliRun r = CliRun.of((command + " --help").split(" "));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("Usage: hearthctl " + command), r.toString());
    }

    @Test
    void helpDocumentsTheDamageExitCode() {
        assertTrue(CliRun.of("--help").out().contains("5  damage found and not repaired"));
        assertTrue(CliRun.of("verify", "--help").out().contains("5: damage found and not repaired"));
    }

    @Test
    void badArgumentsExit2() {
        CliRun r = CliRun.of("verify", "--zone", "a", "--tenant", "b");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("mutually exclusive"), r.toString());
        r = CliRun.of("verify", "--rate", "-1", "--admin", "127.0.0.1:1");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--rate must be 0"), r.toString());
        assertEquals(2, CliRun.of("verify", "--rate", "fast").code());
        assertEquals(2, CliRun.of("verify", "--timeout", "soon").code());
        assertEquals(2, CliRun.of("zone").code());
        assertEquals(2, CliRun.of("zone", "recover").code());
        assertEquals(2, CliRun.of("zone", "recover", "a", "b").code());
        r = CliRun.of("zone", "recover", "z1", "--rate", "-5");
        assertEquals(2, r.code(), r.toString());
        assertEquals(2, CliRun.of("verify", "--admin", "nohostport").code());
    }

    /** Repair and recovery change data and take tenants out of service: neither starts without --yes. */
    @Test
    void repairAndRecoverNeedYes() {
        CliRun repair = CliRun.of("verify", "--repair", "--admin", "127.0.0.1:1");
        assertEquals(2, repair.code(), repair.toString());
        assertTrue(repair.err().contains("--yes") && repair.err().contains("without --repair"), repair.toString());
        CliRun recover = CliRun.of("zone", "recover", "z1", "--admin", "127.0.0.1:1");
        assertEquals(2, recover.code(), recover.toString());
        assertTrue(recover.err().contains("--yes") && recover.err().contains("maintenance"), recover.toString());
    }

    @Test
    void unreachableClusterExits4() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        for (String[] cmd : new String[][] {{"verify"}, {"verify", "--repair", "--yes", "--zone", "z"},
                {"zone", "recover", "z", "--yes"}}) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(cmd),
                    java.util.stream.Stream.of("--admin", "127.0.0.1:" + port)).toArray(String[]::new);
            CliRun r = CliRun.of(args);
            assertEquals(4, r.code(), String.join(" ", cmd) + ": " + r);
            assertTrue(r.err().contains("cannot reach the cluster through 127.0.0.1:" + port), r.toString());
        }
    }
}
