package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.auth.PasswordHash;
import dev.hearth.node.auth.UserList;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * hearthctl memcached hash-password: what it prints is what the node accepts (the node's own parser and verifier,
 * from the node's jar on hearthctl's classpath without the node's dependencies).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemcachedCommandsTest {
    private static CliRun withStdin(String stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            return CliRun.of(args);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void printsAHashTheNodeVerifies() {
        CliRun r = withStdin("s3cret pass\u00e9\r\nignored second line\n", "memcached", "hash-password",
                "--iterations", "2000");
        assertEquals(0, r.code(), r.toString());
        String hash = r.out().strip();
        assertTrue(hash.startsWith("pbkdf2-sha256$2000$"), hash);
        PasswordHash h = PasswordHash.parse(hash);
        assertTrue(h.matches("s3cret pass\u00e9".getBytes(StandardCharsets.UTF_8)));
        assertFalse(h.matches("s3cret pass\u00e9\r".getBytes(StandardCharsets.UTF_8)));
        assertFalse(h.matches("s3cret pass".getBytes(StandardCharsets.UTF_8)));
        CliRun again = withStdin("s3cret pass\u00e9\n", "memcached", "hash-password", "--iterations", "2000");
        assertNotEquals(hash, again.out().strip(), "every hash has its own salt");
    }

    @Test
    void userOptionPrintsAUsersFileLine() {
        CliRun r = withStdin("pw\n", "memcached", "hash-password", "--iterations", "1000", "--user", "shop-1");
        assertEquals(0, r.code(), r.toString());
        Map<String, String> users = UserList.parse(r.out());
        assertEquals(1, users.size());
        assertTrue(PasswordHash.parse(users.get("shop-1")).matches("pw".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void badInputIsAUsageError() {
        CliRun empty = withStdin("\n", "memcached", "hash-password");
        assertEquals(ExitCodes.USAGE, empty.code(), empty.toString());
        assertTrue(empty.err().contains("the password is empty"), empty.err());
        CliRun few = withStdin("pw\n", "memcached", "hash-password", "--iterations", "10");
        assertEquals(ExitCodes.USAGE, few.code(), few.toString());
        assertTrue(few.err().contains("--iterations must be 1000-10000000"), few.err());
        CliRun badUser = withStdin("pw\n", "memcached", "hash-password", "--iterations", "1000", "--user", "a:b");
        assertEquals(ExitCodes.USAGE, badUser.code(), badUser.toString());
        assertTrue(badUser.err().contains("is not a tenant name"), badUser.err());
    }
}
