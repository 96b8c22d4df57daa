package dev.hearth.node.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.node.HearthNode;
import dev.hearth.node.TestNodes;
import dev.hearth.testing.FreePorts;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance in reject mode through the memcached port, on one node: tenants of a zone whose flag is on get
 * {@code SERVER_ERROR tenant in maintenance} (text and meta) or status 0x0086 ETMPFAIL (binary); a tenant with its own active
 * record in that zone is unaffected; the connection stays usable.
 */
@Timeout(60)
class TenantRejectClusterTest {
    @TempDir
    static Path dir;
    static HearthNode node;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String REJECTED = "SERVER_ERROR tenant in maintenance\r\n";

    @BeforeAll
    static void start() throws Exception {
        node = HearthNode.start(TestNodes.config("tenants-br-reject", 0, FreePorts.several(1), dir,
                "tenants.maintenanceMode=reject"), null);
    }

    @AfterAll
    static void stop() {
        node.stopGracefully();
        // A static field outlives the class's tests: the stopped node and its Ignite would stay on the fork's heap.
        node = null;
    }

    static int post(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.ports().get("admin") + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    /** Sends and reads exactly the expected number of bytes (then compares), on one connection. */
    static String exchange(Socket s, String command, int replyBytes) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(command.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[replyBytes];
        new DataInputStream(in).readFully(buf);
        return new String(buf, StandardCharsets.ISO_8859_1);
    }

    static String expect(Socket s, String command, String reply) throws Exception {
        String got = exchange(s, command, reply.length());
        assertEquals(reply, got, "reply to " + command.trim());
        return got;
    }

    static byte[] binary(int opcode, String key, byte[] extras, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(24 + extras.length + k.length + value.length);
        b.put((byte) 0x80).put((byte) opcode).putShort((short) k.length).put((byte) extras.length).put((byte) 0)
                .putShort((short) 0).putInt(extras.length + k.length + value.length).putInt(42).putLong(0)
                .put(extras).put(k).put(value);
        return b.array();
    }

    /** Sends one binary request and returns {status, body after extras and key}. */
    static Object[] binaryCall(Socket s, byte[] request) throws Exception {
        s.getOutputStream().write(request);
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] h = new byte[24];
        in.readFully(h);
        ByteBuffer hb = ByteBuffer.wrap(h);
        assertEquals((byte) 0x81, hb.get(0));
        int keyLen = hb.getShort(2) & 0xffff;
        int extras = hb.get(4) & 0xff;
        int status = hb.getShort(6) & 0xffff;
        byte[] body = new byte[hb.getInt(8)];
        in.readFully(body);
        assertEquals(42, hb.getInt(12));
        return new Object[] {status, new String(body, extras + keyLen, body.length - extras - keyLen,
                StandardCharsets.US_ASCII)};
    }

    @Test
    void zoneFlagRejectsUnregisteredTenantsAndSparesRegisteredActiveOnes() throws Exception {
        assertEquals(200, post("/admin/tenants/vip/assign?zone=default&by=test"));
        try (Socket s = new Socket("127.0.0.1", node.ports().get("memcached"))) {
            s.setSoTimeout(10_000);
            expect(s, "set shop:a 0 0 1\r\n1\r\n", "STORED\r\n");
            assertEquals(200, post("/admin/zones/default/maintenance?on=true&by=test"));
            expect(s, "get shop:a\r\n", REJECTED);
            expect(s, "set shop:a 0 0 1\r\n2\r\n", REJECTED);
            expect(s, "delete shop:a\r\n", REJECTED);
            expect(s, "incr shop:n 1\r\n", REJECTED);
            expect(s, "touch shop:a 10\r\n", REJECTED);
            expect(s, "mg shop:a v\r\n", REJECTED);
            expect(s, "ms shop:a 1\r\n3\r\n", REJECTED);
            expect(s, "md shop:a\r\n", REJECTED);
            // A key without a tenant prefix belongs to the default tenant, also without a record: rejected.
            expect(s, "get plain\r\n", REJECTED);
            // The registered, active tenant of the same zone works on the same connection.
            expect(s, "set vip:a 0 0 1\r\nv\r\n", "STORED\r\n");
            expect(s, "get vip:a\r\n", "VALUE vip:a 0 1\r\nv\r\nEND\r\n");
            expect(s, "mg vip:a v\r\n", "VA 1\r\nv\r\n");
        }
        try (Socket s = new Socket("127.0.0.1", node.ports().get("memcached"))) {
            s.setSoTimeout(10_000);
            Object[] get = binaryCall(s, binary(0x00, "shop:a", new byte[0], new byte[0]));
            assertEquals(0x86, get[0]);
            assertEquals("tenant in maintenance", get[1]);
            Object[] set = binaryCall(s, binary(0x01, "shop:a", new byte[8], "x".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(0x86, set[0]);
            Object[] vip = binaryCall(s, binary(0x00, "vip:a", new byte[0], new byte[0]));
            assertEquals(0, vip[0]);
            assertEquals("v", vip[1]);
        }
        // A tenant's own record wins over the zone flag in both directions.
        assertEquals(200, post("/admin/tenants/shop/maintenance?on=false&by=test"));
        try (Socket s = new Socket("127.0.0.1", node.ports().get("memcached"))) {
            s.setSoTimeout(10_000);
            expect(s, "get shop:a\r\n", "VALUE shop:a 0 1\r\n1\r\nEND\r\n");
            expect(s, "get other:a\r\n", REJECTED);
        }
        assertEquals(200, post("/admin/zones/default/maintenance?on=false&by=test"));
        try (Socket s = new Socket("127.0.0.1", node.ports().get("memcached"))) {
            s.setSoTimeout(10_000);
            expect(s, "get other:a\r\n", "END\r\n");
            expect(s, "get shop:a\r\n", "VALUE shop:a 0 1\r\n1\r\nEND\r\n");
        }
        assertTrue(node.cache().stats().count("get", "rejected") > 0);
    }

}
