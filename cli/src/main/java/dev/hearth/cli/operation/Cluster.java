package dev.hearth.cli.operation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.http.AdminClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * A cluster as seen through one admin address: the members listed by that node's {@code /status}, each reachable at
 * one of its addresses and its admin port.
 */
public final class Cluster {
    private static final ExecutorService POOL = Executors.newCachedThreadPool(daemon());

    /** One member: its name and admin address. */
    public record Member(String name, String failureDomain, String admin) {
        public AdminClient client() {
            return new AdminClient(admin);
        }
    }

    /** One node's /status, or why it could not be read. */
    public record NodeView(Member member, JsonNode status, String error) {
        public boolean reachable() {
            return status != null;
        }
    }

    private final String seed;
    private final JsonNode seedStatus;
    private final List<Member> members;

    private Cluster(String seed, JsonNode seedStatus, List<Member> members) {
        this.seed = seed;
        this.seedStatus = seedStatus;
        this.members = members;
    }

    /** Reads the seed's /status; exit 4 if it does not answer. */
    public static Cluster discover(String seed) {
        JsonNode status;
        try {
            status = new AdminClient(seed).get("/status");
        } catch (CliException e) {
            if (e.exitCode() == ExitCodes.UNREACHABLE) {
                throw CliException.unreachable("cannot reach the cluster through " + seed + ": " + e.getMessage()
                        + ". Check --admin HOST:PORT (or HEARTH_ADMIN) names a running node's admin port.", e);
            }
            throw e;
        } catch (AdminClient.AdminException e) {
            throw CliException.failed("node at " + seed + " answered /status with " + e.status() + ": "
                    + e.getMessage());
        }
        return new Cluster(seed, status, members(seed, status));
    }

    static List<Member> members(String seed, JsonNode status) {
        String seedHost = seed.substring(0, seed.lastIndexOf(':'));
        List<Member> out = new ArrayList<>();
        for (JsonNode m : status.path("members")) {
            String host;
            if (m.path("local").asBoolean(false)) {
                host = seedHost;
            } else {
                host = pickAddress(m.path("addresses"), seedHost);
            }
            out.add(new Member(m.path("name").asText(), m.path("failureDomain").asText(""),
                    hostPort(host, m.path("adminPort").asInt())));
        }
        // Name order, not join order: nodes started at once join in any order, and a rolling restart's default
        // order and every listing should not change from one start to the next.
        out.sort(java.util.Comparator.comparing(Member::name, Cluster::compareNames));
        return List.copyOf(out);
    }

    /** Natural order of node names: n2 before n10 (runs of digits compare as numbers). */
    static int compareNames(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int ei = i;
                int ej = j;
                while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
                    ei++;
                }
                while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
                    ej++;
                }
                java.math.BigInteger na = new java.math.BigInteger(a.substring(i, ei));
                java.math.BigInteger nb = new java.math.BigInteger(b.substring(j, ej));
                int c = na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    /** The seed's host if the member has it, else its first IPv4 address, else its first address. */
    static String pickAddress(JsonNode addresses, String seedHost) {
        String first = null;
        String firstV4 = null;
        for (JsonNode a : addresses) {
            String s = a.asText();
            if (s.equals(seedHost)) {
                return s;
            }
            if (first == null) {
                first = s;
            }
            if (firstV4 == null && s.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")) {
                firstV4 = s;
            }
        }
        if (firstV4 != null) {
            return firstV4;
        }
        return first != null ? first : seedHost;
    }

    static String hostPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    public String seed() {
        return seed;
    }

    public JsonNode seedStatus() {
        return seedStatus;
    }

    public List<Member> members() {
        return members;
    }

    public List<String> names() {
        return members.stream().map(Member::name).toList();
    }

    /** The named members in the order given; a name that is not a member is a usage error (exit 2). */
    public List<Member> select(List<String> names) {
        if (names == null || names.isEmpty()) {
            return members;
        }
        List<Member> out = new ArrayList<>();
        for (String n : names) {
            Member m = member(n);
            if (m == null) {
                throw CliException.usage("unknown node '" + n + "'; the cluster's nodes are " + names());
            }
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    public Member member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
    }

    /** Every member's /status, read in parallel; a member that does not answer has an error instead. */
    public List<NodeView> views() {
        return views(members);
    }

    /**
     * Views of the expected members that are not members of this cluster (not in the seed's topology), sorted by
     * name: every name in an answering node's {@code membership.expected}, read at the admin address some node reports
     * for it ({@code membership.elsewhere}), else at the address given by the members list of a node already found
     * outside. A name with no known address is a view with admin {@code "unknown"} and no status. What each node found
     * answering reports is followed in turn (a minority group can name further nodes).
     */
    public List<NodeView> outsiders(List<NodeView> memberViews) {
        java.util.Set<String> inside = new java.util.HashSet<>(names());
        Map<String, NodeView> found = new java.util.TreeMap<>();
        // Each round adds at least one answering node, or stops: bounded by the number of names.
        while (true) {
            List<NodeView> all = new ArrayList<>(memberViews);
            all.addAll(found.values());
            java.util.Set<String> expected = new java.util.TreeSet<>();
            for (NodeView v : all) {
                if (v.reachable()) {
                    Membership m = Membership.of(v.status());
                    expected.addAll(m.expected());
                    expected.addAll(m.present());
                }
            }
            List<Member> toRead = new ArrayList<>();
            for (String name : expected) {
                NodeView known = found.get(name);
                if (inside.contains(name) || (known != null && !"unknown".equals(known.member().admin()))) {
                    continue;
                }
                String admin = adminOf(name, all);
                if (admin != null) {
                    toRead.add(new Member(name, "", admin));
                } else if (known == null) {
                    found.put(name, new NodeView(new Member(name, "", "unknown"), null, "admin address unknown"));
                }
            }
            if (toRead.isEmpty()) {
                return List.copyOf(found.values());
            }
            for (NodeView v : views(toRead)) {
                String domain = v.reachable() ? v.status().path("node").path("failureDomain").asText("") : "";
                found.put(v.member().name(), new NodeView(new Member(v.member().name(), domain, v.member().admin()),
                        v.status(), v.error()));
            }
        }
    }

    /** The admin address of {@code name} as any answering view reports it, or null. */
    private static String adminOf(String name, List<NodeView> views) {
        for (NodeView v : views) {
            if (v.reachable()) {
                String a = Membership.of(v.status()).adminOf(name);
                if (a != null) {
                    return a;
                }
            }
        }
        for (NodeView v : views) {
            if (v.reachable() && !"unknown".equals(v.member().admin())) {
                for (Member m : members(v.member().admin(), v.status())) {
                    if (m.name().equals(name)) {
                        return m.admin();
                    }
                }
            }
        }
        return null;
    }

    public static List<NodeView> views(List<Member> members) {
        return onEach(members, Cluster::view);
    }

    public static NodeView view(Member m) {
        try {
            return new NodeView(m, new AdminClient(m.admin(), Duration.ofSeconds(10)).get("/status"), null);
        } catch (AdminClient.Unauthorised e) {
            // A node that refuses the token is not unreachable: say so, with its own exit code.
            throw e;
        } catch (CliException e) {
            return new NodeView(m, null, e.getMessage());
        } catch (AdminClient.AdminException e) {
            return new NodeView(m, null, "status " + e.status() + ": " + e.getMessage());
        }
    }

    /** Runs {@code task} on every member in parallel and returns the results in member order. */
    public static <T> List<T> onEach(List<Member> members, java.util.function.Function<Member, T> task) {
        List<CompletableFuture<T>> fs = new ArrayList<>();
        for (Member m : members) {
            fs.add(CompletableFuture.supplyAsync(() -> task.apply(m), POOL));
        }
        List<T> out = new ArrayList<>();
        for (CompletableFuture<T> f : fs) {
            try {
                out.add(f.join());
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw e;
            }
        }
        return out;
    }

    private static ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "hearthctl-http");
            t.setDaemon(true);
            return t;
        };
    }
}
