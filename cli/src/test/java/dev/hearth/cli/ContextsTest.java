package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** The context file and where each connection setting comes from: option, then environment, then context. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContextsTest {
    @TempDir
    Path home;

    private Path write(String yaml) throws Exception {
        Path f = home.resolve(".config/hearth/config.yaml");
        Files.createDirectories(f.getParent());
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void theCurrentContextOrTheNamedOneWithItsTokenFileAndPathsUnderHome() throws Exception {
        Files.writeString(home.resolve("prod.token"), "s3cret\n");
        Path f = write("""
                current-context: prod
                contexts:
                  prod:
                    admin: [https://10.0.0.1:8080, https://10.0.0.2:8080]
                    token-file: ~/prod.token
                    cacert: ~/ca.pem
                  local:
                    admin: 127.0.0.1:8080,127.0.0.1:8081
                """);
        Map<String, String> env = Map.of("HOME", home.toString());
        assertEquals(f, Contexts.file(null, Map.of("XDG_CONFIG_HOME", home.resolve(".config").toString())));
        Contexts.Context prod = Contexts.load(f, null, env);
        assertEquals("prod", prod.name());
        assertEquals(List.of("https://10.0.0.1:8080", "https://10.0.0.2:8080"), prod.admin());
        assertEquals("s3cret", prod.token());
        assertEquals(home.resolve("ca.pem"), prod.cacert());
        assertNull(prod.cert());
        Contexts.Context local = Contexts.load(f, "local", env);
        assertEquals(List.of("127.0.0.1:8080", "127.0.0.1:8081"), local.admin());
        assertNull(local.token());

        CliException e = assertThrows(CliException.class, () -> Contexts.load(f, "staging", env));
        assertTrue(e.getMessage().contains("contexts: prod, local"), e.getMessage());
        assertNull(Contexts.load(home.resolve("none.yaml"), null, env), "no file, no context: the defaults");
        assertThrows(CliException.class, () -> Contexts.load(home.resolve("none.yaml"), "prod", env));
    }

    @Test
    void anOptionWinsOverTheEnvironmentWhichWinsOverTheContext() throws Exception {
        Path f = write("current-context: c\ncontexts:\n  c:\n    admin: [10.0.0.9:8080]\n    token: from-context\n");
        GlobalOptions g = new GlobalOptions();
        g.config = f.toString();
        g.env = Map.of();
        assertEquals(List.of("10.0.0.9:8080"), g.adminAddresses());
        assertEquals("from-context", g.token());

        g = new GlobalOptions();
        g.config = f.toString();
        g.env = Map.of("HEARTH_ADMIN", "10.0.0.7:8080,10.0.0.8:8080", "HEARTH_TOKEN", "from-env");
        assertEquals(List.of("10.0.0.7:8080", "10.0.0.8:8080"), g.adminAddresses());
        assertEquals("from-env", g.token());

        g.admin = "10.0.0.1:8080";
        g.token = "from-option";
        assertEquals(List.of("10.0.0.1:8080"), g.adminAddresses());
        assertEquals("from-option", g.token());

        GlobalOptions none = new GlobalOptions();
        none.config = home.resolve("absent.yaml").toString();
        none.env = Map.of();
        assertEquals(List.of(GlobalOptions.DEFAULT_ADMIN), none.adminAddresses());
    }
}
