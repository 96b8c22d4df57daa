package dev.hearth.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin keys: admin.token, admin.tokenFile, admin.openMetrics. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdminConfigTest {
    static final String TOKEN = "0123456789abcdef-admin";

    @TempDir
    Path dir;

    private static HearthConfig load(Map<String, String> env, String... sets) {
        return new ConfigLoader().load(null, env, List.of(sets));
    }

    private static String fails(Map<String, String> env, String... sets) {
        return assertThrows(ConfigException.class, () -> load(env, sets)).getMessage();
    }

    @Test
    void noTokenByDefaultAndMetricsOpen() {
        HearthConfig.Admin a = load(Map.of()).admin();
        assertNull(a.token());
        assertNull(a.tokenFile());
        assertTrue(a.openMetrics());
    }

    @Test
    void theEnvVarsFollowTheKeyRuleAndHearthctlsTokenIsNoConfigKey() {
        ConfigLoader loader = new ConfigLoader();
        HearthConfig c = loader.load(null, Map.of("HEARTH_ADMIN_TOKEN", TOKEN, "HEARTH_ADMIN_OPEN_METRICS", "false",
                "HEARTH_TOKEN", "whatever-hearthctl-uses"), List.of());
        assertEquals(TOKEN, c.admin().token());
        assertFalse(c.admin().openMetrics());
        assertEquals(List.of(), loader.warnings());
        assertEquals("HEARTH_ADMIN_TOKEN_FILE", ConfigLoader.envName("admin.tokenFile"));
    }

    @Test
    void badTokensAreConfigErrorsThatNeverRepeatTheToken() {
        assertTrue(fails(Map.of(), "admin.token=").contains("admin.token"), "empty");
        String shortOne = fails(Map.of(), "admin.token=short-secret");
        assertTrue(shortOne.contains("admin.token") && shortOne.contains("at least 16"), shortOne);
        assertFalse(shortOne.contains("short-secret"), shortOne);
        String spaced = fails(Map.of(), "admin.token=has a space in it 0123456789");
        assertTrue(spaced.contains("not visible ASCII at position 4"), spaced);
    }

    @Test
    void aTokenFileIsReadWithoutItsTrailingNewline() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, TOKEN + "\n\n");
        assertEquals(TOKEN, SecretFiles.readToken(file));
        assertEquals(file.toString(), load(Map.of("HEARTH_ADMIN_TOKEN_FILE", file.toString())).admin().tokenFile());
        Files.writeString(file, "\n");
        String empty = fails(Map.of(), "admin.tokenFile=" + file);
        assertTrue(empty.contains("admin.tokenFile") && empty.contains(file.toString())
                && empty.contains("empty"), empty);
        String missing = fails(Map.of(), "admin.tokenFile=" + dir.resolve("nope"));
        assertTrue(missing.contains("cannot read token file"), missing);
        assertTrue(fails(Map.of(), "admin.tokenFile=").contains("must not be empty"));
    }

    @Test
    void namedTokensNeedTheClusterTokenAndValidNamesAndTokens() {
        HearthConfig c = load(Map.of(), "admin.token=" + TOKEN, "admin.tokens.alice=alice-token-0123456789");
        assertEquals(Map.of("alice", "alice-token-0123456789"), c.admin().tokens());
        assertTrue(load(Map.of()).admin().tokens().isEmpty());
        String alone = fails(Map.of(), "admin.tokens.alice=alice-token-0123456789");
        assertTrue(alone.contains("admin.tokens") && alone.contains("admin.token or admin.tokenFile"), alone);
        String bad = fails(Map.of(), "admin.token=" + TOKEN, "admin.tokens.bob=tiny");
        assertTrue(bad.contains("admin.tokens.bob") && bad.contains("at least 16"), bad);
        assertTrue(fails(Map.of(), "admin.token=" + TOKEN, "admin.tokens.anonymous=anon-token-0123456789")
                .contains("audit log"));
        assertTrue(fails(Map.of(), "admin.token=" + TOKEN, "admin.tokens.same=" + TOKEN).contains("tell them apart"));
    }

    @Test
    void tokenAndTokenFileTogetherAreRefused() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, TOKEN);
        String both = fails(Map.of(), "admin.token=" + TOKEN, "admin.tokenFile=" + file);
        assertTrue(both.contains("not both"), both);
    }
}
