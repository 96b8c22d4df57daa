package dev.hearth.node.membership;

import dev.hearth.wire.status.MembershipView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Who this node's cluster should hold, and whether the part this node sees may accept writes. A cluster split in two
 * (a network cut, or a node that paused past the failure detection timeout and came back alone) must not accept
 * writes on both sides: only a part that holds a majority of the expected members (a quorum) does. The expected
 * members are learned (every node name seen in a topology, kept in {@code membership.json} in the data dir so that a
 * restarted node still knows its peers) and can be raised by {@code cluster.expectedSize}.
 *
 * <p>Thread-safe. {@link #hasQuorum(Collection)} is a pure function of the record and its argument, cheap enough for
 * Ignite's topology validation.
 */
public final class Membership {
    private static final Logger LOG = LogManager.getLogger(Membership.class);
    public static final String FILE = "membership.json";

    private final String self;
    private final int configuredSize;
    private final Path file;
    private volatile Members members;
    private volatile Set<String> present;
    private volatile List<MembershipView.Elsewhere> elsewhere = List.of();
    private volatile Set<String> unreachable = Set.of();
    /** Brings {@code present} up to date with the cluster before a read (see {@link #refreshWith}). */
    private volatile Runnable refresher = () -> { };

    private Membership(String self, int configuredSize, Path file, Members initial) {
        this.self = self;
        this.configuredSize = configuredSize;
        this.file = file;
        this.members = initial;
        this.present = Set.of(self);
    }

    /**
     * Reads {@code dataDir/membership.json} if there is one (a damaged file is logged and ignored: the node then
     * learns its members again).
     *
     * @param dataDir null for no persistence (tests)
     * @param configuredSize {@code cluster.expectedSize}, 0 for learned only
     */
    public static Membership open(Path dataDir, String self, int configuredSize) {
        Members initial = Members.EMPTY;
        Path file = dataDir == null ? null : dataDir.resolve(FILE);
        if (file != null) {
            try {
                initial = MembersJson.decode(Files.readString(file, StandardCharsets.UTF_8));
                LOG.info("Expected members from {}: {} (generation {})", file, initial.admins().keySet(),
                        initial.generation());
            } catch (NoSuchFileException e) {
                // a new node: it learns its members as it sees them
            } catch (IOException | IllegalArgumentException e) {
                LOG.warn("Ignoring {} ({}): this node learns its cluster's members again", file, e.getMessage());
            }
        }
        Membership m = new Membership(self, configuredSize, file, initial);
        m.observe(Map.of(self, ""));
        return m;
    }

    public String self() {
        return self;
    }

    public Members members() {
        return members;
    }

    /** Members needed in a cluster expecting {@code size}: a strict majority. */
    public static int quorumOf(int size) {
        return size / 2 + 1;
    }

    /**
     * Whether a topology of these server nodes may accept writes: it holds a majority of the expected members, those
     * of the record plus any name in {@code names} it lacks (a node joins the record as soon as it is seen).
     */
    public boolean hasQuorum(Collection<String> names) {
        Members m = members;
        int expected = m.size();
        Set<String> seen = new HashSet<>(names);
        for (String n : seen) {
            if (!m.contains(n)) {
                expected++;
            }
        }
        return seen.size() >= quorumOf(Math.max(configuredSize, expected));
    }

    /**
     * Whether this node's current topology (the last {@link #observe}) has a quorum, not counting the members it
     * cannot reach ({@link #unreachable(Set)}).
     */
    public boolean hasQuorum() {
        refresher.run();
        return hasQuorum(reachable(present, unreachable));
    }

    /**
     * Runs {@code refresher} before every read of this node's topology ({@link #view()}, {@link #hasQuorum()}), so
     * that they never lag the cluster's own. It must be cheap when nothing changed and must not block.
     */
    public void refreshWith(Runnable refresher) {
        this.refresher = refresher;
    }

    private static Set<String> reachable(Set<String> present, Set<String> unreachable) {
        if (unreachable.isEmpty()) {
            return present;
        }
        Set<String> r = new HashSet<>(present);
        r.removeAll(unreachable);
        return r;
    }

    /** Reports the members of this node's topology that do not answer it (by the peer watch). */
    public void unreachable(Set<String> names) {
        unreachable = Set.copyOf(names);
    }

    public Set<String> unreachable() {
        return unreachable;
    }

    /**
     * Records the server nodes of this node's topology now (name to admin address) and learns new names.
     *
     * @return whether the record changed (and was saved)
     */
    public synchronized boolean observe(Map<String, String> servers) {
        present = Set.copyOf(servers.keySet());
        return replace(members.with(servers));
    }

    /** Takes in another copy of the record (a peer's, the cluster's); @return whether this one changed */
    public synchronized boolean merge(Members other) {
        return replace(members.merge(other));
    }

    /**
     * Removes {@code name} from the expected members (the operator shrank the cluster on purpose), as a new
     * generation.
     *
     * @throws NoSuchElementException if {@code name} is not expected
     * @throws IllegalStateException if {@code name} is in this node's topology now, or is this node
     */
    public synchronized Members forget(String name) {
        if (!members.contains(name)) {
            throw new NoSuchElementException("node " + name + " is not an expected member (expected: "
                    + members.admins().keySet() + ")");
        }
        if (name.equals(self) || present.contains(name)) {
            throw new IllegalStateException("node " + name + " is in the cluster now; stop it for good, then "
                    + "forget it");
        }
        replace(members.without(name));
        LOG.warn("Node {} forgotten: expected members are now {} (generation {})", name,
                members.admins().keySet(), members.generation());
        return members;
    }

    /** Reports the missing members found running elsewhere (by the split watch). */
    public void elsewhere(List<MembershipView.Elsewhere> found) {
        elsewhere = List.copyOf(found);
    }

    public MembershipView view() {
        refresher.run();
        Members m = members;
        Set<String> p = present;
        TreeSet<String> expected = new TreeSet<>(m.admins().keySet());
        expected.addAll(p);
        int size = Math.max(configuredSize, expected.size());
        List<String> missing = new ArrayList<>();
        for (String n : expected) {
            if (!p.contains(n)) {
                missing.add(n);
            }
        }
        Set<String> u = unreachable;
        return new MembershipView(List.copyOf(expected), size, quorumOf(size), List.copyOf(new TreeSet<>(p)),
                List.copyOf(missing), hasQuorum(reachable(p, u)), elsewhere, m.generation(),
                List.copyOf(new TreeSet<>(u)));
    }

    /** Why this node may not accept writes, or null when it may. */
    public String noQuorumReason() {
        MembershipView v = view();
        if (v.hasQuorum()) {
            return null;
        }
        List<String> reached = v.present().stream().filter(n -> !v.unreachable().contains(n)).toList();
        StringBuilder sb = new StringBuilder("no quorum: this node's cluster has ").append(reached.size())
                .append(" of ").append(v.expectedSize()).append(" expected members ").append(reached)
                .append(", ").append(v.quorum()).append(" needed");
        if (!v.missing().isEmpty()) {
            sb.append("; missing ").append(v.missing());
        }
        if (!v.unreachable().isEmpty()) {
            sb.append("; not answering ").append(v.unreachable());
        }
        if (v.expectedSize() > v.expected().size()) {
            sb.append(" (cluster.expectedSize is ").append(v.expectedSize()).append(')');
        }
        return sb.append("; writes are refused").toString();
    }

    private boolean replace(Members next) {
        if (next == members) {
            return false;
        }
        members = next;
        save(next);
        return true;
    }

    private void save(Members m) {
        if (file == null) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(FILE + ".tmp");
            Files.writeString(tmp, MembersJson.encode(m), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // The record still holds in memory; on disk it only matters for the next start.
            LOG.warn("Could not save the expected members to {}: {}", file, e.toString());
        }
    }
}
