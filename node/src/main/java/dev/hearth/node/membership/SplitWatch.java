package dev.hearth.node.membership;

import dev.hearth.wire.status.MembershipView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Heals a split. Ignite 2.x cannot merge two topologies: once a part of the cluster has dropped a node (a network
 * cut, a pause past the failure detection timeout), that node runs on in a topology of its own, or, restarted,
 * starts a new one where its peers cannot be reached. Each round asks the missing members (at their last known admin
 * address) what topology they are in. A part that finds a member running elsewhere in a part that has a quorum, when
 * its own has none, gives way: the node leaves ({@code rejoin}), its supervisor restarts it, and it joins the
 * quorum's topology, taking that side's data (its own was read-only meanwhile). When neither part has a quorum (a
 * two-node cluster cut in two, a three-way split) the part without the smallest node name gives way, so that the
 * parts end up one.
 */
public final class SplitWatch {
    private static final Logger LOG = LogManager.getLogger(SplitWatch.class);

    /** Asks a node's admin port which topology it is in. */
    @FunctionalInterface
    public interface Probe {
        /** The answer, or empty if the node does not answer (in time). Must not throw. */
        Optional<Peer> ask(String admin);
    }

    /** A node's answer: its name, the server nodes of its topology, whether that topology has a quorum. */
    public record Peer(String name, List<String> present, boolean hasQuorum) {
        public Peer {
            present = List.copyOf(present);
        }
    }

    private final Membership membership;
    private final Probe probe;
    private final Consumer<String> rejoin;

    /** @param rejoin called with the reason when this node must leave its topology to join the other one */
    public SplitWatch(Membership membership, Probe probe, Consumer<String> rejoin) {
        this.membership = membership;
        this.probe = probe;
        this.rejoin = rejoin;
    }

    /** One round. Blocks for as long as the probes take (each is bounded by the probe's own timeout). */
    public void check() {
        MembershipView v = membership.view();
        if (v.missing().isEmpty()) {
            membership.elsewhere(List.of());
            return;
        }
        String self = membership.self();
        List<MembershipView.Elsewhere> found = new ArrayList<>();
        for (String name : v.missing()) {
            String admin = membership.members().admins().getOrDefault(name, "");
            if (admin.isEmpty()) {
                continue;
            }
            Optional<Peer> answer = probe.ask(admin);
            if (answer.isPresent() && answer.get().name().equals(name) && !answer.get().present().contains(self)) {
                found.add(new MembershipView.Elsewhere(name, admin, answer.get().present(), answer.get().hasQuorum()));
            }
        }
        membership.elsewhere(found);
        // Giving way ends the process: never on a quorum lost only because peers of this topology are silent for
        // now (PeerWatch). They answer again, or Ignite drops them and the decision is made on the topology.
        String why = v.unreachable().isEmpty() ? mustGiveWay(v, found) : null;
        if (why != null) {
            LOG.error("Split: {}", why);
            rejoin.accept(why);
        }
    }

    /** Why this node's part must give way to one of {@code found}, or null. */
    static String mustGiveWay(MembershipView mine, List<MembershipView.Elsewhere> found) {
        if (mine.hasQuorum()) {
            return null;
        }
        for (MembershipView.Elsewhere e : found) {
            if (e.hasQuorum()) {
                return "node " + e.name() + " runs in a topology of " + e.members() + " that has a quorum, while "
                        + "this node's topology " + mine.present() + " has none: leaving to rejoin it";
            }
        }
        for (MembershipView.Elsewhere e : found) {
            if (!e.members().isEmpty() && !mine.present().isEmpty()
                    && Collections.min(e.members()).compareTo(Collections.min(mine.present())) < 0) {
                return "node " + e.name() + " runs in a topology of " + e.members() + "; neither it nor this node's "
                        + "topology " + mine.present() + " has a quorum, and the one holding the first node name "
                        + "stays: leaving to rejoin it";
            }
        }
        return null;
    }
}
