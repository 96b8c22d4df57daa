package dev.hearth.client.noflags;

import dev.hearth.client.Codec;
import dev.hearth.client.HearthClient;
import dev.hearth.client.TenantCache;
import dev.hearth.client.internal.JvmAccess;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An application's main as it would be written, run by {@code JvmFlagsIT} in a JVM started with at most the one flag
 * hearth-client needs ({@code JvmAccess.FLAG}): every kind of call it makes (plain, bulk, conditional,
 * read-modify-write, async, getOrLoad, the registry poll, the read failover's per-node connections, a flush's scan)
 * must work there. Prints {@code OK} and exits 0, or prints the failure and exits 1.
 */
public final class OneFlagApplication {
    private OneFlagApplication() {
    }

    record Order(String id, Instant at, List<String> items) {
    }

    public static void main(String[] args) {
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        System.out.println("jvm arguments: " + jvmArgs);
        if (jvmArgs.stream().anyMatch(a -> !a.equals(JvmAccess.FLAG))) {
            System.out.println("FAILED: this JVM was started with other flags");
            System.exit(2);
        }
        try (HearthClient client = HearthClient.builder().addresses(args[0].split(",")).timeout(Duration.ofSeconds(5))
                .readFailoverAfter(Duration.ofMillis(50)).nearCache(Duration.ofSeconds(1), 100).build()) {
            TenantCache<String> s = client.tenant("noflags", Codec.utf8());
            s.put("a", "1", Duration.ofMinutes(1));
            check("1".equals(s.get("a")), "get");
            s.putAll(Map.of("b", "2", "c", "3"), Duration.ZERO);
            check(Map.of("a", "1", "b", "2", "c", "3").equals(s.getAll(List.of("a", "b", "c", "d"))), "getAll");
            check(s.putIfAbsent("d", "4", Duration.ZERO) && !s.putIfAbsent("d", "5", Duration.ZERO), "putIfAbsent");
            check(s.incr("counter", 1).isEmpty(), "incr of an absent key");
            s.put("counter", "41");
            check(s.incr("counter", 1).getAsLong() == 42, "incr");
            check(s.append("a", "0") && "10".equals(s.get("a")), "append");
            long version = s.gets("a").version();
            check(s.cas("a", "cas", version, Duration.ZERO) == dev.hearth.client.CasResult.STORED, "cas");
            check(s.async().get("a").join().equals("cas"), "async get");
            check("loaded".equals(s.getOrLoad("missing", k -> "loaded", Duration.ofMinutes(1))), "getOrLoad");
            check(s.deleteAll(List.of("b", "c")) == 2, "deleteAll");
            TenantCache<Order> orders = client.tenant("noflags", Codec.json(Order.class));
            Order o = new Order("o-1", Instant.parse("2026-12-06T01:00:00Z"), List.of("x"));
            orders.put("order", o);
            check(o.equals(orders.get("order")), "json with java.time");
            check(s.flush() >= 5, "flush");
            check(s.get("a") == null, "flushed");
            check(client.stats().errors() == 0, "no errors counted: " + client.stats());
            // sendFromCaller (on by default) reads Ignite's internals by method handles: that needs no flag either.
            check(client.stats().sentFromCaller() > 0, "calls sent from the caller's thread: " + client.stats());
            System.out.println("OK " + client.stats());
        } catch (Throwable t) {
            System.out.println("FAILED: " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
        System.exit(0);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
