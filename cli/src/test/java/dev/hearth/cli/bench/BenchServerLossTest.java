package dev.hearth.cli.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.cli.CliRun;
import dev.hearth.cli.ExitCodes;
import dev.hearth.testing.RealMemcached;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A memcached server that goes away under {@code hearthctl bench} (a node stopped or restarted) ends the run with an
 * operation failure that names the server and what to use instead, not a stack trace.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BenchServerLossTest {
    @Test
    void aServerThatGoesAwayEndsTheRunWithAPlainError() throws Exception {
        RealMemcached memcached = RealMemcached.start();
        String server = "127.0.0.1:" + memcached.port;
        CompletableFuture<CliRun> run;
        try {
            run = CompletableFuture.supplyAsync(() -> CliRun.of("bench", "--target", "memcached", "--servers", server,
                    "--threads", "2", "--keys", "1000", "--warmup", "0", "--duration", "60"));
            // Every key loaded: the measured run has begun, or is about to.
            await().atMost(Duration.ofSeconds(30)).until(() -> items(memcached.port) >= 1000);
        } finally {
            memcached.close();
        }
        CliRun r = run.get(30, TimeUnit.SECONDS);
        assertEquals(ExitCodes.FAILED, r.code(), r.toString());
        // The connection ends in a close or a reset, depending on whether the thread was reading or writing.
        assertTrue(r.err().contains("lost its server: " + server + ": "), r.toString());
        assertTrue(r.err().contains("--target client"), r.toString());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
    }

    private static long items(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null && !line.equals("END"); line = in.readLine()) {
                if (line.startsWith("STAT curr_items ")) {
                    return Long.parseLong(line.substring("STAT curr_items ".length()));
                }
            }
            return 0;
        }
    }
}
