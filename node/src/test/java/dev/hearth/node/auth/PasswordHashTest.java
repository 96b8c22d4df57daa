package dev.hearth.node.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PasswordHashTest {
    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void pbkdf2MatchesPublishedVectorsAndTheJdk() throws Exception {
        // PBKDF2-HMAC-SHA256 test vectors (RFC 7914 section 11 and the widely used set derived from RFC 6070).
        HexFormat hex = HexFormat.of();
        assertEquals("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
                hex.formatHex(PasswordHash.pbkdf2(ascii("password"), ascii("salt"), 1, 32)));
        assertEquals("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
                hex.formatHex(PasswordHash.pbkdf2(ascii("password"), ascii("salt"), 4096, 32)));
        assertEquals("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef"
                + "317c71b845b1e30bd509112041d3a19783", hex.formatHex(PasswordHash.pbkdf2(ascii("passwd"),
                        ascii("salt"), 1, 64)));
        byte[] salt = ascii("0123456789abcdef");
        SecretKeyFactory jdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
        byte[] expected = jdk.generateSecret(new PBEKeySpec("p\u00e4ss".toCharArray(), salt, 1000, 256)).getEncoded();
        assertArrayEquals(expected, PasswordHash.pbkdf2("p\u00e4ss".getBytes(StandardCharsets.UTF_8), salt, 1000, 32));
    }

    @Test
    void hashesVerifyOnlyTheirPassword() {
        String h = PasswordHash.hash("correct horse", 1000);
        assertTrue(h.matches("pbkdf2-sha256\\$1000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"), h);
        PasswordHash p = PasswordHash.parse(h);
        assertEquals(1000, p.iterations());
        assertTrue(p.matches(ascii("correct horse")));
        assertFalse(p.matches(ascii("correct horsE")));
        assertFalse(p.matches(ascii("")));
        // Padding is optional when reading (other tools write it).
        String[] parts = h.split("\\$");
        assertTrue(PasswordHash.parse(parts[0] + "$" + parts[1] + "$" + parts[2] + "==$" + parts[3] + "=")
                .matches(ascii("correct horse")));
    }

    @Test
    void malformedHashesAreRefusedWithoutQuotingThem() {
        for (String bad : List.of("pbkdf2-sha256$1000$c2FsdHNhbHQ", "pbkdf2-sha256$x$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
                "pbkdf2-sha256$999$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA", "pbkdf2-sha256$1000$c2Fs$AAAAAAAAAAAAAAAAAAAAAA",
                "pbkdf2-sha256$1000$c2FsdHNhbHQ$AAAA", "pbkdf2-sha256$1000$sec*ret$AAAAAAAAAAAAAAAAAAAAAA", "plain")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PasswordHash.parse(bad));
            assertFalse(e.getMessage().contains("c2Fs") || e.getMessage().contains("sec*ret"), e.getMessage());
        }
    }

    @Test
    void usersFileLinesParse() {
        Map<String, String> users = UserList.parse("# comment\r\n\r\n alice:pw:with:colons \nbob:"
                + PasswordHash.hash("x", 1000) + "\n");
        assertEquals(List.of("alice", "bob"), List.copyOf(users.keySet()));
        assertEquals("pw:with:colons", users.get("alice"));
        assertEquals("line 1: expected user:secret",
                assertThrows(IllegalArgumentException.class, () -> UserList.parse("nocolon")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UserList.parse("a:1\na:2")).getMessage()
                .contains("line 2: user 'a' is listed twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UserList.parse("-x:1")).getMessage()
                .contains("is not a tenant name"));
    }
}
