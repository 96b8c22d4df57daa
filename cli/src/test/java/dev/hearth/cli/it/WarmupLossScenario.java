package dev.hearth.cli.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.cli.CliRun;
import dev.hearth.testing.NodeProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;

/**
 * A warm-up that loses (or gains) a node half-way, against real node processes: write, {@code dump create}, kill
 * every node, start them empty, write fresh values over some keys, {@code hearthctl warmup}, and while it runs
 * kill -9 / stop / restart one node or add a new one. Then counts: whether the warm-up ended, how many of the
 * surviving nodes' dump entries are missing or wrong, how many fresh writes were overwritten.
 */
final class WarmupLossScenario {
    static final String T = "default";
    static final String ZONE_CACHE = "hearth-zone-default";
    static final String DUMP = "before-loss";
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Event {
        /** kill -9 of the victim; it stays dead. */
        KILL,
        /** SIGTERM of the victim (graceful stop); it stays down. */
        STOP,
        /** kill -9 of the victim and start it again at once, as a supervisor would. */
        RESTART,
        /** a new, fourth node joins the cluster. */
        JOIN,
        /** nothing happens: the baseline, for the warm-up rate. */
        NONE
    }

    int entries = 30_000;
    int valueBytes = 470;
    /** Keys written again after the restart, before the warm-up: it must not overwrite them. */
    int freshBefore = 500;
    /** Per-node entries/s limit passed to warmup (0 = none). */
    long rate;
    int victim = 2;
    Event event = Event.KILL;
    /** Fraction of the victim's dump read when the event happens. */
    double at = 0.25;
    /** How long the test waits for hearthctl warmup before it calls the warm-up stuck. */
    Duration bound = Duration.ofSeconds(90);
    /** After a KILL or STOP: start the victim again and run warmup --nodes victim, as the docs say. */
    boolean finishLostPart;
    String zoneMemory = "128m";
    String heap = "384m";

    /** What one run saw. */
    static final class Result {
        boolean ended;
        CliRun cli;
        JsonNode json;
        long elapsedMillis;
        long victimReadAtEvent;
        long victimTotal;
        final Map<String, Long> survivorReadAtEvent = new HashMap<>();
        long survivorEntries;
        long missing;
        long wrong;
        long freshChecked;
        long freshOverwritten;
        double entriesPerSecond;
        final List<String> stuckDumps = new ArrayList<>();
        /** Members each live node sees at the end: a split cluster makes the counts meaningless. */
        final Map<String, Integer> members = new HashMap<>();
        CliRun finish;
        long missingAfterFinish = -1;
        long wrongAfterFinish = -1;
        long allEntries;

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "ended=%s exit=%s elapsed=%d ms victimRead=%d/%d "
                    + "survivorReadAtEvent=%s survivorEntries=%d missing=%d wrong=%d fresh=%d overwritten=%d "
                    + "rate=%.0f entries/s members=%s", ended, cli == null ? "-" : cli.code(), elapsedMillis,
                    victimReadAtEvent, victimTotal, survivorReadAtEvent, survivorEntries, missing, wrong,
                    freshChecked, freshOverwritten, entriesPerSecond, members);
        }
    }

    static byte[] value(String k, int size) {
        byte[] v = new byte[size];
        byte[] p = (k + ":").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < size; i++) {
            v[i] = i < p.length ? p[i] : (byte) ('a' + Math.floorMod(i * 31 + k.hashCode(), 26));
        }
        return v;
    }

    static String key(int i) {
        return "w" + i;
    }

    private long t00;

    private void step(String what) {
        System.out.printf("[%5.1f s] %s%n", (System.nanoTime() - t00) / 1e9, what);
    }

    Result run(Path dir, String clusterName) throws Exception {
        t00 = System.nanoTime();
        int slots = event == Event.JOIN ? 4 : 3;
        Result r = new Result();
        // Without local copies: this scenario is the warm-up from a dump, after a loss that left only the dumps.
        try (NodeProcesses nodes = new NodeProcesses(clusterName, slots, dir, "memory.heap=" + heap,
                "zones.default.memory=" + zoneMemory, "zones.default.backups=1", "localCopy.enabled=false")) {
            for (int i = 0; i < 3; i++) {
                nodes.start(i);
            }
            step("3 nodes up");
            IgniteClient client = nodes.client();
            ClientCache<String, byte[]> cache = client.cache(ZONE_CACHE);
            long t0 = System.nanoTime();
            Map<String, byte[]> batch = new HashMap<>();
            for (int i = 0; i < entries; i++) {
                String k = key(i);
                batch.put(T + ":" + k, TestEnvelope.encode(T, k, value(k, valueBytes), 1, 0));
                if (batch.size() == 2000 || i == entries - 1) {
                    cache.putAll(batch);
                    batch.clear();
                }
            }
            System.out.printf("wrote %d entries of %d B in %d ms%n", entries, valueBytes,
                    (System.nanoTime() - t0) / 1_000_000);
            CliRun dump = CliRun.of("dump", "create", "--name", DUMP, "--admin", nodes.admin(0));
            assertEquals(0, dump.code(), dump.toString());
            step("dump created");

            // Power loss: every node gone at once, then back empty (their dumps stay on disk).
            nodes.closeClients();
            nodes.killAll();
            nodes.startTogether(0, 1, 2);
            client = nodes.client();
            cache = client.cache(ZONE_CACHE);
            step("3 nodes up again, empty");
            assertEquals(0, cache.size(), "the cluster should start empty");
            Map<String, byte[]> fresh = new HashMap<>();
            for (int i = 0; i < freshBefore; i++) {
                String k = key(i);
                fresh.put(T + ":" + k, TestEnvelope.encode(T, k, "fresh".getBytes(StandardCharsets.UTF_8), 2, 0));
            }
            cache.putAll(fresh);

            List<String> args = new ArrayList<>(List.of("warmup", "--from", DUMP, "--admin", nodes.admin(0),
                    "--output", "json", "--timeout", (bound.toSeconds() + 30) + "s"));
            if (rate > 0) {
                args.addAll(List.of("--rate", Long.toString(rate)));
            }
            ExecutorService pool = Executors.newSingleThreadExecutor();
            long w0 = System.nanoTime();
            Future<CliRun> warm = pool.submit(() -> CliRun.of(args.toArray(new String[0])));
            try {
                if (event != Event.NONE) {
                    awaitVictimProgress(nodes, r, warm);
                    for (int i = 0; i < 3; i++) {
                        if (i != victim) {
                            r.survivorReadAtEvent.put(nodes.name(i), state(nodes, i).path("entriesRead").asLong());
                        }
                    }
                    step("event");
                    System.out.printf("event %s on %s at %d/%d of its dump (survivors: %s)%n", event,
                            nodes.name(victim), r.victimReadAtEvent, r.victimTotal, r.survivorReadAtEvent);
                    switch (event) {
                        case KILL -> nodes.kill9(victim);
                        case STOP -> System.out.println("graceful stop exit code "
                                + nodes.stopGracefully(victim, Duration.ofSeconds(60)));
                        case RESTART -> {
                            nodes.kill9(victim);
                            nodes.start(victim);
                        }
                        case JOIN -> nodes.start(3);
                        default -> throw new IllegalStateException();
                    }
                }
                for (String at : System.getProperty("loss.jstackAt", "").split(",")) {
                    if (at.isBlank() || warm.isDone()) {
                        continue;
                    }
                    long atMillis = Long.parseLong(at.trim()) * 1000;
                    long waitMillis = atMillis - (System.nanoTime() - w0) / 1_000_000;
                    if (waitMillis > 0) {
                        Thread.sleep(waitMillis);
                    }
                    for (int i = 0; i < slots; i++) {
                        if (nodes.alive(i)) {
                            Files.writeString(dir.resolve("jstack-" + nodes.name(i) + "-at" + at.trim() + "s.txt"),
                                    nodes.jstack(i));
                        }
                    }
                }
                try {
                    r.cli = warm.get(bound.toMillis(), TimeUnit.MILLISECONDS);
                    r.ended = true;
                } catch (TimeoutException e) {
                    r.ended = false;
                    for (int i = 0; i < slots; i++) {
                        if (nodes.alive(i)) {
                            Path f = dir.resolve("jstack-" + nodes.name(i) + ".txt");
                            Files.writeString(f, nodes.jstack(i));
                            r.stuckDumps.add(f.toString());
                            System.out.println(nodes.name(i) + " warm-up: " + nodes.get(i, "/admin/warmup").body()
                                    + "\n  thread dump: " + f);
                        }
                    }
                    return r;
                }
            } finally {
                pool.shutdownNow();
            }
            r.elapsedMillis = (System.nanoTime() - w0) / 1_000_000;
            step("warmup command ended");
            System.out.println(r.cli);
            if (!r.cli.out().isBlank()) {
                r.json = JSON.readTree(r.cli.out());
                r.entriesPerSecond = r.json.path("entriesPerSecond").asDouble();
            }
            for (int i = 0; i < slots; i++) {
                if (nodes.alive(i)) {
                    r.members.put(nodes.name(i), JSON.readTree(nodes.get(i, "/status").body()).path("members").size());
                }
            }
            count(nodes, client.cache(ZONE_CACHE), fresh.keySet(), r, false);
            step("counted");
            System.out.println("WARMUP LOSS " + event + ": " + r);
            if (finishLostPart && (event == Event.KILL || event == Event.STOP)) {
                // What docs/operations.md tells the operator: bring the node back, then load its part again.
                nodes.closeClients();
                nodes.start(victim);
                step("lost node back");
                r.finish = CliRun.of("warmup", "--from", DUMP, "--admin", nodes.admin(0), "--nodes",
                        nodes.name(victim), "--timeout", "60s");
                step("lost part loaded");
                System.out.println("finishing the lost part: " + r.finish);
                Result all = new Result();
                count(nodes, nodes.client().cache(ZONE_CACHE), fresh.keySet(), all, true);
                r.missingAfterFinish = all.missing;
                r.wrongAfterFinish = all.wrong + all.freshOverwritten;
                r.allEntries = all.survivorEntries + r.survivorEntries;
                step("lost part finished and counted");
                System.out.printf("after finishing: %d of the lost node's %d dump entries missing, %d wrong or "
                        + "overwritten%n", all.missing, all.survivorEntries, r.wrongAfterFinish);
            }
            return r;
        }
    }

    private JsonNode state(NodeProcesses nodes, int i) throws Exception {
        NodeProcess.Response s = nodes.get(i, "/admin/warmup");
        return s.statusCode() == 200 ? JSON.readTree(s.body()) : JSON.createObjectNode();
    }

    /** Waits until the victim has read {@link #at} of its dump while still running. */
    private void awaitVictimProgress(NodeProcesses nodes, Result r, Future<CliRun> warm) {
        // Polled often: the event must land while the victim's warm-up still runs, at about the point asked for.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .failFast("the warm-up ended before the victim read " + at + " of its dump", warm::isDone)
                .until(() -> {
                    JsonNode s = state(nodes, victim);
                    long total = s.path("entriesTotal").asLong();
                    long read = s.path("entriesRead").asLong();
                    if (s.path("state").asText().equals("running") && total > 0 && read >= total * at) {
                        r.victimReadAtEvent = read;
                        r.victimTotal = total;
                        return true;
                    }
                    if (s.path("state").asText().equals("complete")) {
                        throw new AssertionError("the victim's warm-up passed the event point unseen: " + s);
                    }
                    return false;
                });
    }

    /** Every entry of every surviving node's dump must be there with its dump value (or the fresh one). */
    private void count(NodeProcesses nodes, ClientCache<String, byte[]> cache, Set<String> fresh, Result r,
            boolean onlyVictim) throws Exception {
        Map<String, byte[]> expected = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            boolean lost = i == victim && event != Event.JOIN && event != Event.NONE;
            if (onlyVictim ? i != victim : lost) {
                continue;
            }
            expected.putAll(TestDumpFile.read(nodes.dir.resolve(nodes.name(i)), DUMP, T));
        }
        r.survivorEntries = expected.size();
        List<String> keys = new ArrayList<>(expected.keySet());
        Map<String, byte[]> got = new ConcurrentHashMap<>();
        long slowest = 0;
        for (int from = 0; from < keys.size(); from += 2000) {
            long g0 = System.nanoTime();
            got.putAll(cache.getAll(new HashSet<>(keys.subList(from, Math.min(keys.size(), from + 2000)))));
            slowest = Math.max(slowest, System.nanoTime() - g0);
        }
        step("read back " + keys.size() + " keys (slowest getAll of 2000: " + slowest / 1_000_000 + " ms)");
        for (String k : keys) {
            byte[] v = got.get(k);
            if (fresh.contains(k)) {
                continue;
            }
            if (v == null) {
                r.missing++;
            } else if (!Arrays.equals(expected.get(k), v)) {
                r.wrong++;
            }
        }
        Map<String, byte[]> freshNow = cache.getAll(fresh);
        for (String k : fresh) {
            r.freshChecked++;
            byte[] v = freshNow.get(k);
            String bare = k.substring(T.length() + 1);
            TestEnvelope.Item item = v == null ? null : TestEnvelope.decode(T, bare, v);
            if (item == null || item.version() != 2
                    || !"fresh".equals(new String(item.value(), StandardCharsets.UTF_8))) {
                r.freshOverwritten++;
            }
        }
    }

    static void assertNoLoss(Result r) {
        assertEquals(0, r.missing, "entries of the surviving nodes' dumps missing: " + r);
        assertEquals(0, r.wrong, "entries of the surviving nodes' dumps with a wrong value: " + r);
        assertEquals(0, r.freshOverwritten, "fresh writes overwritten by the warm-up: " + r);
        assertTrue(r.freshChecked > 0, "no fresh write checked");
        assertTrue(r.survivorEntries > 0, "no dump entry checked");
    }
}
