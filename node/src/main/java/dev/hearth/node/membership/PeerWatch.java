package dev.hearth.node.membership;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Tells a node, within seconds, that it cannot reach the peers of its own topology. Ignite drops a silent peer only
 * after the failure detection timeout (20 s), and until then a node cut off from the others still counted them, so
 * it reported ready and took writes it could not replicate (they timed out). Each round asks every peer of the
 * topology for {@code GET /membership}; a peer that has not answered for {@code after} is unreachable, and
 * {@link Membership#hasQuorum()} leaves it out, so a node cut off from a majority refuses writes and reports not
 * ready with the reason, until the peers answer again or are dropped. Nothing here stops the node: it is a state
 * that clears itself.
 *
 * <p>A stall of the whole machine must not make every node think the others gone. So a peer counts as unreachable
 * only after two probes in a row failed that each <em>started</em> more than {@code after} past its last answer: a
 * probe that started before the stall and timed out during it does not count, and of the two after it, the peer,
 * woken with everyone else, answers one.
 */
public final class PeerWatch {
    private static final Logger LOG = LogManager.getLogger(PeerWatch.class);

    /** Whether a node's admin port answers at all, whatever it says. */
    @FunctionalInterface
    public interface Reach {
        /** True when any answer came in time. Must not throw. */
        boolean answers(String admin);
    }

    private final Membership membership;
    private final Reach probe;
    private final long afterNanos;
    private final LongSupplier nanoClock;
    private final Executor executor;
    /** Per peer: when its last answer came (or when it was first seen). Only the watch's thread touches it. */
    private final Map<String, Long> lastAnswer = new HashMap<>();
    /** Per peer: failed probes in a row that started more than {@code after} past its last answer. */
    private final Map<String, Integer> lateFailures = new HashMap<>();

    /**
     * @param after how long a peer may go without answering before it is unreachable
     * @param nanoClock {@link System#nanoTime} outside tests
     * @param executor runs the probes of one round side by side (one thread per peer at most)
     */
    public PeerWatch(Membership membership, Reach probe, Duration after, LongSupplier nanoClock,
            Executor executor) {
        this.membership = membership;
        this.probe = probe;
        this.afterNanos = after.toNanos();
        this.nanoClock = nanoClock;
        this.executor = executor;
    }

    /** One round: asks every peer at once (each ask bounded by the probe's own timeout) and updates the membership. */
    public void check() {
        List<String> peers = membership.view().present().stream().filter(n -> !n.equals(membership.self())).toList();
        lastAnswer.keySet().retainAll(peers);
        lateFailures.keySet().retainAll(peers);
        Map<String, Long> started = new HashMap<>();
        Map<String, CompletableFuture<Boolean>> asks = new HashMap<>();
        for (String peer : peers) {
            String admin = membership.members().admins().getOrDefault(peer, "");
            if (admin.isEmpty()) {
                // No admin address published (yet): nothing to ask, so no reason to doubt it.
                lastAnswer.remove(peer);
                lateFailures.remove(peer);
                continue;
            }
            long start = nanoClock.getAsLong();
            started.put(peer, start);
            lastAnswer.putIfAbsent(peer, start);
            asks.put(peer, CompletableFuture.supplyAsync(() -> probe.answers(admin), executor));
        }
        Set<String> unreachable = new TreeSet<>();
        for (Map.Entry<String, CompletableFuture<Boolean>> a : asks.entrySet()) {
            String peer = a.getKey();
            long start = started.get(peer);
            long last = lastAnswer.get(peer);
            if (a.getValue().join()) {
                lastAnswer.put(peer, nanoClock.getAsLong());
                lateFailures.remove(peer);
            } else if (start - last > afterNanos && lateFailures.merge(peer, 1, Integer::sum) >= 2) {
                unreachable.add(peer);
            }
        }
        Set<String> before = membership.unreachable();
        membership.unreachable(unreachable);
        if (!before.equals(unreachable)) {
            if (unreachable.isEmpty()) {
                LOG.info("Every peer of this node's topology answers again");
            } else {
                LOG.warn("Peers {} of this node's topology have not answered for {} ms (still members until the "
                        + "failure detection timeout drops them){}", unreachable, afterNanos / 1_000_000,
                        membership.hasQuorum() ? "" : ": this node cannot reach a quorum and refuses writes");
            }
        }
    }
}
