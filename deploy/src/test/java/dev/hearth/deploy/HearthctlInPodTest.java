package dev.hearth.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl exec hearth-0 -- hearthctl status}: inside a node's container, with the environment the StatefulSet
 * gives the node (its pod address, admin port, admin token file) and nothing else, bin/hearthctl asks that node, with
 * its token. A stand-in admin port records what arrives and refuses it, which hearthctl reports as exit 6.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HearthctlInPodTest {
    static final Path HEARTHCTL = Path.of("../bin/hearthctl").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void asksItsOwnNodeWithTheNodesToken() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        admin.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " "
                    + ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body = "{\"status\":403,\"error\":\"stand-in\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(403, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        admin.start();
        try {
            Path token = Files.writeString(dir.resolve("admin-token"), "pod-token-0123456789abcdef\n");
            ProcessBuilder pb = new ProcessBuilder(HEARTHCTL.toString(), "status").redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("HEARTH_"));
            pb.environment().put("HEARTH_CLUSTER_BIND_ADDRESS", "127.0.0.1");
            pb.environment().put("HEARTH_PORTS_ADMIN", Integer.toString(admin.getAddress().getPort()));
            pb.environment().put("HEARTH_ADMIN_TOKEN_FILE", token.toString());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "hearthctl did not end");
            assertEquals(6, p.exitValue(), "the stand-in refuses the token: exit 6\n" + out);
            assertTrue(seen.stream().anyMatch(s -> s.equals("GET /status Bearer pod-token-0123456789abcdef")),
                    "hearthctl asked this pod's admin port with the node's token: " + seen + "\n" + out);
        } finally {
            admin.stop(0);
        }
    }
}
