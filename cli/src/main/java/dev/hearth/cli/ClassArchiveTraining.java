package dev.hearth.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hearth.cli.http.AdminClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code bin/hearthctl --record-class-archive} runs to learn which classes hearthctl loads: {@code status} in
 * each output format against a node that answers, and once against an address nothing listens on. The answering node
 * is an HTTP server in this JVM serving a real node's {@code /status} (the resource {@value #STATUS}, also the
 * command-line tests' fixture) as a healthy one-node cluster.
 *
 * <p>Why a node that answers: the classes of a successful call (reading and rendering the JSON) are most of what a
 * status call loads, and an archive recorded from a failed call alone left 585 classes to load at every call. The
 * server's own classes are loaded too; the script leaves them out of the archive.
 */
public final class ClassArchiveTraining {
    /** The /status document served, a resource of this module. */
    static final String STATUS = "/dev/hearth/cli/training/status.json";

    private ClassArchiveTraining() {
    }

    /** Exit 0 when every call ended as expected; what went wrong on stderr otherwise. */
    public static void main(String[] args) throws IOException {
        List<String> wrong = run();
        wrong.forEach(System.err::println);
        System.exit(wrong.isEmpty() ? 0 : 1);
    }

    /**
     * Runs the calls; their output is discarded.
     *
     * @return one line per call that did not end with the exit code expected of it (none when all did)
     */
    static List<String> run() throws IOException {
        ObjectNode status;
        try (InputStream in = ClassArchiveTraining.class.getResourceAsStream(STATUS)) {
            status = (ObjectNode) AdminClient.JSON.readTree(in);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int port = server.getAddress().getPort();
        byte[] body = AdminClient.JSON.writeValueAsBytes(oneNode(status, port));
        server.createContext("/status", ex -> answer(ex, body));
        server.start();
        List<String> wrong = new ArrayList<>();
        try {
            String admin = "127.0.0.1:" + port;
            expect(wrong, ExitCodes.OK, "status", "--admin", admin);
            expect(wrong, ExitCodes.OK, "status", "--admin", admin, "-o", "json");
            expect(wrong, ExitCodes.OK, "status", "--admin", admin, "-o", "yaml");
        } finally {
            server.stop(0);
        }
        expect(wrong, ExitCodes.UNREACHABLE, "status", "--admin", "127.0.0.1:1");
        return wrong;
    }

    /** The document as the only node of a one-node cluster would serve it, with this server's port. */
    private static ObjectNode oneNode(ObjectNode status, int port) {
        ((ObjectNode) status.path("node").path("ports")).put("admin", port);
        ArrayNode members = (ArrayNode) status.path("members");
        ObjectNode self = (ObjectNode) members.get(0);
        self.put("adminPort", port);
        members.removeAll().add(self);
        String name = self.path("name").asText();
        ObjectNode membership = (ObjectNode) status.path("membership");
        membership.putArray("expected").add(name);
        membership.putArray("present").add(name);
        membership.putArray("missing");
        membership.put("expectedSize", 1).put("quorum", 1).put("hasQuorum", true);
        return status;
    }

    private static void answer(HttpExchange ex, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static void expect(List<String> wrong, int code, String... args) {
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(Writer.nullWriter()), new PrintWriter(err), args);
        if (exit != code) {
            wrong.add("hearthctl " + String.join(" ", args) + ": exit " + exit + ", expected " + code + ": "
                    + err.toString().strip());
        }
    }
}
