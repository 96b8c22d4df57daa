package dev.hearth.cli.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The --kube-* options: in-cluster defaults and bad values (usage errors, exit 2). */
@Timeout(60)
class KubeApiTest {
    @TempDir
    Path dir;

    @Test
    void inClusterDefaultsComeFromTheServiceAccountDirectory() throws Exception {
        Path sa = Files.createDirectories(dir.resolve("sa"));
        Files.writeString(sa.resolve("namespace"), "prod\n");
        KubeApi api = KubeApi.create("https://kubernetes.default.svc/", null, null, null, sa);
        assertEquals("prod", api.namespace());
        assertEquals("https://kubernetes.default.svc", api.base().toString());
        KubeApi outside = KubeApi.create("http://127.0.0.1:8001", null, null, null, dir.resolve("none"));
        assertEquals("default", outside.namespace());
        assertEquals("ops", KubeApi.create("http://127.0.0.1:8001", "ops", null, null, sa).namespace());
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        Path none = dir.resolve("none");
        CliException e = assertThrows(CliException.class, () -> KubeApi.create("ftp://host", null, null, null, none));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        e = assertThrows(CliException.class, () -> KubeApi.create("http://h", "Bad_NS", null, null, none));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("not a Kubernetes namespace name"), e.getMessage());
        e = assertThrows(CliException.class, () -> KubeApi.create("http://h", null, dir.resolve("nope"), null, none));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        Path notPem = Files.writeString(dir.resolve("ca.crt"), "not a certificate");
        e = assertThrows(CliException.class, () -> KubeApi.create("https://h", null, null, notPem, none));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("--kube-ca"), e.getMessage());
        KubeApi.Options noApi = new KubeApi.Options();
        noApi.namespace = "x";
        e = assertThrows(CliException.class, noApi::api);
        assertEquals(ExitCodes.USAGE, e.exitCode());
    }
}
