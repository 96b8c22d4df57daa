package dev.hearth.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link AdminToken} decisions and token-file rotation, and {@link OriginCheck}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdminTokenTest {
    static final String TOKEN = "0123456789abcdef-token";

    @TempDir
    Path dir;

    @Test
    void aConfiguredTokenDecidesMissingWrongAndRight() {
        AdminToken t = AdminToken.of(TOKEN);
        assertTrue(t.required());
        assertEquals(AdminToken.Result.MISSING, t.check(null).result());
        assertEquals("anonymous", t.check(null).who());
        assertEquals(AdminToken.Result.MISSING, t.check("Basic " + TOKEN).result());
        assertEquals(AdminToken.Result.MISSING, t.check("Bearer ").result());
        assertEquals(AdminToken.Result.WRONG, t.check("Bearer " + TOKEN + "x").result());
        assertEquals(AdminToken.Result.WRONG, t.check("Bearer " + TOKEN.substring(1)).result());
        AdminToken.Verdict ok = t.check("bearer " + TOKEN);
        assertEquals(AdminToken.Result.ACCEPTED, ok.result());
        assertEquals("token:" + AdminToken.fingerprint(TOKEN), ok.who());
        assertEquals("Bearer " + TOKEN, t.authorization());
    }

    @Test
    void operatorsNamedTokensPassAndAreNamed() {
        AdminToken t = AdminToken.of(TOKEN, java.util.Map.of("alice", "alice-token-0123456789", "bob",
                "bob-token-0123456789ab"));
        assertEquals(new AdminToken.Verdict(AdminToken.Result.ACCEPTED, "alice"), t.check("Bearer alice-token-0123456789"));
        assertEquals(new AdminToken.Verdict(AdminToken.Result.ACCEPTED, "bob"), t.check("Bearer bob-token-0123456789ab"));
        assertEquals("token:" + AdminToken.fingerprint(TOKEN), t.check("Bearer " + TOKEN).who());
        assertEquals(AdminToken.Result.WRONG, t.check("Bearer carol-token-0123456789").result());
        assertEquals("Bearer " + TOKEN, t.authorization(), "the nodes send the cluster's token, never a person's");
        assertThrows(IllegalArgumentException.class, () -> AdminToken.of(TOKEN, java.util.Map.of("eve", "short")));
    }

    @Test
    void withoutATokenEverythingPassesAndNothingIsSent() {
        AdminToken t = AdminToken.none();
        assertFalse(t.required());
        assertEquals(AdminToken.Result.ACCEPTED, t.check(null).result());
        assertEquals(AdminToken.Result.ACCEPTED, t.check("Bearer anything-at-all").result());
        assertNull(t.authorization());
    }

    @Test
    void fingerprintsAreShortStableAndDistinct() {
        String f = AdminToken.fingerprint(TOKEN);
        assertEquals(12, f.length());
        assertTrue(f.matches("[0-9a-f]{12}"), f);
        assertEquals(f, AdminToken.fingerprint(TOKEN));
        assertFalse(f.equals(AdminToken.fingerprint(TOKEN + "1")));
        assertFalse(TOKEN.contains(f));
    }

    @Test
    void aTokenFileIsReadAgainOnlyWhenItChangedAndABadContentKeepsTheOldToken() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, TOKEN + "\n");
        AtomicLong now = new AtomicLong();
        AdminToken t = AdminToken.file(file, java.util.Map.of(), now::get);
        assertEquals(TOKEN, t.current());
        String next = "fedcba9876543210-token";
        Files.writeString(file, next + "\n");
        assertEquals(TOKEN, t.current(), "looked at once a second at most");
        now.addAndGet(AdminToken.RECHECK_NANOS);
        assertEquals(next, t.current());
        assertEquals(AdminToken.Result.WRONG, t.check("Bearer " + TOKEN).result());
        Files.writeString(file, "short\n");
        now.addAndGet(AdminToken.RECHECK_NANOS);
        assertEquals(next, t.current(), "an invalid content is not a token");
        Files.delete(file);
        now.addAndGet(AdminToken.RECHECK_NANOS);
        assertEquals(next, t.current(), "nor is a missing file");
        Files.writeString(file, TOKEN);
        now.addAndGet(AdminToken.RECHECK_NANOS);
        assertEquals(TOKEN, t.current());
    }

    @Test
    void aBadTokenFileAtStartIsAnError() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "\n");
        assertThrows(IllegalArgumentException.class, () -> AdminToken.file(file));
        assertThrows(java.io.IOException.class, () -> AdminToken.file(dir.resolve("absent")));
    }

    @Test
    void originsMustBeTheAdminPortItselfAtAnAddressTheNodeOwns() {
        OriginCheck c = new OriginCheck("hearth-0.internal");
        assertNull(c.refusal(null, "anything:8080"), "no Origin: not a browser page");
        assertNull(c.refusal("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assertNull(c.refusal("https://10.0.0.7:8080", "10.0.0.7:8080"));
        assertNull(c.refusal("http://[::1]:8080", "[::1]:8080"));
        assertNull(c.refusal("http://localhost:8080", "localhost:8080"));
        assertNull(c.refusal("http://hearth-0.internal:8080", "HEARTH-0.internal:8080"), "the bind address");
        assertTrue(c.refusal("http://evil.example", "127.0.0.1:8080").contains("not this node's admin origin"));
        assertTrue(c.refusal("http://127.0.0.1:9999", "127.0.0.1:8080").contains("not this node's admin origin"));
        assertTrue(c.refusal("null", "127.0.0.1:8080").contains("not this node's admin origin"));
        assertTrue(c.refusal("ftp://127.0.0.1:8080", "127.0.0.1:8080").contains("not this node's admin origin"));
        assertTrue(c.refusal("http://evil.example:8080", "evil.example:8080").contains("not an address of this node"));
        assertTrue(c.refusal("http://127.0.0.1:8080", null).contains("needs a Host header"));
        assertEquals("a?b", OriginCheck.printable("a\nb"));
    }
}
