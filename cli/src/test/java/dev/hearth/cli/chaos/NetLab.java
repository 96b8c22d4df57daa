package dev.hearth.cli.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One network namespace per node on a bridge of its own, so that a test can cut the network between nodes (see
 * /work/shared/tools/NETWORK-LAB.md). The test JVM stays in the root namespace and reaches every node through the
 * bridge's address (.254), so a node cut off from its peers is still reachable by clients: a partition of the
 * cluster, not of the clients.
 *
 * <p>There is no iptables on these machines, so a cut is a pair of blackhole routes (/32, more specific than the
 * subnet's): each side's packets to the other are dropped, and established connections go silent rather than
 * closed, as in a real partition.
 */
final class NetLab implements AutoCloseable {
    private final int subnet;
    private final int nodes;
    private final List<String[]> cuts = new ArrayList<>();
    private final Thread hook;
    private boolean closed;

    private NetLab(int subnet, int nodes) {
        this.subnet = subnet;
        this.nodes = nodes;
        // A test JVM stopped half-way (Ctrl-C, a forked VM timeout) must not leave namespaces and a bridge behind.
        this.hook = new Thread(this::teardown, "netlab-teardown-" + subnet);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Why namespaces cannot be used here, or null when they can (root and a working {@code ip netns}). */
    static String unavailableReason() {
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            id.waitFor(5, TimeUnit.SECONDS);
            if (!uid.equals("0")) {
                return "network namespaces need root (uid " + uid + ")";
            }
            String probe = "hcprobe" + ProcessHandle.current().pid();
            run("ip", "netns", "add", probe);
            run("ip", "netns", "del", probe);
            return null;
        } catch (IOException | RuntimeException e) {
            return "ip netns does not work here: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** A bridge and one namespace per node on a 10.123.X.0/24 subnet no other run uses now. */
    static NetLab create(int nodes) throws IOException {
        String addrs = output("ip", "-o", "addr");
        String links = output("ip", "-o", "link");
        String namespaces = output("ip", "netns", "list");
        for (int attempt = 0; attempt < 100; attempt++) {
            int x = 1 + ThreadLocalRandom.current().nextInt(250);
            if (addrs.contains("10.123." + x + ".") || links.contains("hcb" + x + ":")
                    || namespaces.contains("hc" + x + "n")) {
                continue;
            }
            NetLab lab = new NetLab(x, nodes);
            try {
                lab.setUp();
                return lab;
            } catch (IOException | RuntimeException e) {
                lab.close();
                throw e;
            }
        }
        throw new IOException("no free 10.123.X.0/24 subnet");
    }

    private void setUp() throws IOException {
        run("ip", "link", "add", bridge(), "type", "bridge");
        run("ip", "addr", "add", "10.123." + subnet + ".254/24", "dev", bridge());
        run("ip", "link", "set", bridge(), "up");
        for (int i = 0; i < nodes; i++) {
            run("ip", "netns", "add", ns(i));
            run("ip", "link", "add", veth(i), "type", "veth", "peer", "name", "eth0", "netns", ns(i));
            run("ip", "link", "set", veth(i), "master", bridge(), "up");
            run("ip", "-n", ns(i), "addr", "add", ip(i) + "/24", "dev", "eth0");
            run("ip", "-n", ns(i), "link", "set", "eth0", "up");
            run("ip", "-n", ns(i), "link", "set", "lo", "up");
        }
    }

    String ns(int i) {
        return "hc" + subnet + "n" + i;
    }

    String ip(int i) {
        return "10.123." + subnet + "." + (i + 1);
    }

    private String bridge() {
        return "hcb" + subnet;
    }

    private String veth(int i) {
        return "hcv" + subnet + "n" + i;
    }

    /** The command that runs {@code cmd} inside node i's namespace. */
    List<String> inNamespace(int i, List<String> cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns(i)));
        all.addAll(cmd);
        return all;
    }

    /** Cuts node {@code node} off from {@code others} (both directions); clients in the root namespace still reach it. */
    synchronized void cut(int node, int... others) throws IOException {
        for (int o : others) {
            addBlackhole(node, o);
            addBlackhole(o, node);
        }
    }

    private void addBlackhole(int from, int to) throws IOException {
        run("ip", "-n", ns(from), "route", "add", "blackhole", ip(to) + "/32");
        cuts.add(new String[] {ns(from), ip(to) + "/32"});
    }

    /** Removes every cut. */
    synchronized void heal() throws IOException {
        IOException first = null;
        for (String[] c : cuts) {
            try {
                run("ip", "-n", c[0], "route", "del", "blackhole", c[1]);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        cuts.clear();
        if (first != null) {
            throw first;
        }
    }

    @Override
    public synchronized void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook runs teardown() again, which is idempotent.
        }
    }

    private synchronized void teardown() {
        if (closed) {
            return;
        }
        closed = true;
        // Deleting a namespace deletes its end of the veth pair, and with it the bridge's end.
        for (int i = 0; i < nodes; i++) {
            quietly("ip", "netns", "del", ns(i));
        }
        quietly("ip", "link", "del", bridge());
    }

    private static void quietly(String... cmd) {
        try {
            run(cmd);
        } catch (IOException e) {
            // Teardown goes on with the rest: one missing piece (never created) must not leave the others behind.
            System.err.println("netlab teardown: " + e.getMessage());
        }
    }

    static void run(String... cmd) throws IOException {
        String out = output(cmd);
        if (out.startsWith("!exit")) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** The command's output, or "!exit N: output" when it failed. */
    private static String output(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in 20 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
        return p.exitValue() == 0 ? out : "!exit " + p.exitValue() + ": " + out.trim();
    }
}
