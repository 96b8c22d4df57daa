package dev.hearth.node.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hearth.wire.status.MembershipView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class MembershipTest {
    @TempDir
    Path dir;

    private static Map<String, String> servers(String... names) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : names) {
            m.put(n, "127.0.0.1:80" + n.substring(1));
        }
        return m;
    }

    @Test
    void quorumIsAStrictMajority() {
        assertEquals(1, Membership.quorumOf(1));
        assertEquals(2, Membership.quorumOf(2));
        assertEquals(2, Membership.quorumOf(3));
        assertEquals(3, Membership.quorumOf(4));
        assertEquals(3, Membership.quorumOf(5));
    }

    @Test
    void learnsEveryNodeItSeesAndKeepsThemAcrossARestart() {
        Membership m = Membership.open(dir, "n0", 0);
        assertTrue(m.hasQuorum(), "a first node alone is a cluster of one");
        m.observe(servers("n0", "n1", "n2"));
        assertEquals(List.of("n0", "n1", "n2"), m.view().expected());
        m.observe(servers("n0", "n2"));
        assertTrue(m.hasQuorum(), "2 of 3");
        m.observe(servers("n0"));
        assertFalse(m.hasQuorum(), "1 of 3");
        assertEquals(List.of("n1", "n2"), m.view().missing());
        assertTrue(m.noQuorumReason().contains("no quorum"), m.noQuorumReason());

        Membership restarted = Membership.open(dir, "n0", 0);
        assertFalse(restarted.hasQuorum(), "a node restarted alone still expects its two peers");
        assertEquals("127.0.0.1:801", restarted.members().admins().get("n1"));
    }

    @Test
    void aTopologyIsJudgedWithTheNamesItBrings() {
        Membership m = Membership.open(null, "n0", 0);
        m.observe(servers("n0", "n1", "n2"));
        // A new node n3 makes four expected: n0 and n3 are 2 of 4, not a majority.
        assertFalse(m.hasQuorum(List.of("n0", "n3")));
        assertTrue(m.hasQuorum(List.of("n0", "n1", "n3")));
        assertTrue(m.hasQuorum(List.of("n1", "n2")));
    }

    @Test
    void configuredSizeRaisesTheExpectation() {
        Membership m = Membership.open(null, "n0", 3);
        assertFalse(m.hasQuorum(), "a node that cannot reach its peers must not report ready on its own");
        m.observe(servers("n0", "n1"));
        assertTrue(m.hasQuorum());
        assertEquals(3, m.view().expectedSize());
    }

    @Test
    void forgetStartsANewGenerationThatOlderRecordsCannotUndo() {
        Membership m = Membership.open(dir, "n0", 0);
        m.observe(servers("n0", "n1", "n2"));
        Members before = m.members();
        m.observe(servers("n0"));
        assertThrows(IllegalStateException.class, () -> m.forget("n0"));
        assertThrows(NoSuchElementException.class, () -> m.forget("n9"));
        m.forget("n1");
        m.forget("n2");
        assertTrue(m.hasQuorum(), "the operator shrank the cluster to one node");
        assertEquals(2, m.members().generation());
        assertFalse(m.merge(before), "a record from before the forget is older");
        assertEquals(List.of("n0"), m.view().expected());
        assertEquals(2, Membership.open(dir, "n0", 0).members().generation(), "the forget was saved");
    }

    @Test
    void forgettingAPresentNodeIsRefused() {
        Membership m = Membership.open(null, "n0", 0);
        m.observe(servers("n0", "n1"));
        assertThrows(IllegalStateException.class, () -> m.forget("n1"));
    }

    @Test
    void recordsOfOneGenerationUnite() {
        Members a = new Members(0, new TreeMap<>(Map.of("n0", "h:1", "n1", "")));
        Members b = new Members(0, new TreeMap<>(Map.of("n1", "h:2", "n2", "h:3")));
        Members ab = a.merge(b);
        assertEquals(Map.of("n0", "h:1", "n1", "h:2", "n2", "h:3"), ab.admins());
        assertSame(ab, ab.merge(a), "nothing new: the same record");
        Members newer = b.without("n2");
        assertSame(newer, newer.merge(ab), "a newer generation wins");
        assertSame(newer, ab.merge(newer));
    }

    @Test
    void aDamagedFileIsIgnored() throws Exception {
        Files.writeString(dir.resolve(Membership.FILE), "{not json");
        Membership m = Membership.open(dir, "n0", 0);
        assertEquals(List.of("n0"), m.view().expected());
        assertEquals(MembersJson.encode(m.members()), Files.readString(dir.resolve(Membership.FILE)));
    }

    @Test
    void jsonRoundTrips() {
        Members m = new Members(7, new TreeMap<>(Map.of("n0", "10.0.0.1:8080", "n1", "")));
        assertEquals(m, MembersJson.decode(MembersJson.encode(m)));
        assertThrows(IllegalArgumentException.class, () -> MembersJson.decode("{\"generation\":1}"));
    }

    @Test
    void theMinorityGivesWayToAQuorumAndATieGoesToTheFirstName() {
        Membership lone = Membership.open(null, "n1", 0);
        lone.observe(servers("n0", "n1", "n2"));
        lone.observe(servers("n1"));
        MembershipView v = lone.view();
        var majority = new MembershipView.Elsewhere("n0", "h:0", List.of("n0", "n2"), true);
        assertNotNull(SplitWatch.mustGiveWay(v, List.of(majority)));

        Membership major = Membership.open(null, "n0", 0);
        major.observe(servers("n0", "n1", "n2"));
        major.observe(servers("n0", "n2"));
        assertNull(SplitWatch.mustGiveWay(major.view(),
                List.of(new MembershipView.Elsewhere("n1", "h:1", List.of("n1"), false))));

        // Two nodes cut in two: neither has a quorum; the part holding n0 stays.
        Membership a = Membership.open(null, "n0", 0);
        a.observe(servers("n0", "n1"));
        a.observe(servers("n0"));
        Membership b = Membership.open(null, "n1", 0);
        b.observe(servers("n0", "n1"));
        b.observe(servers("n1"));
        assertNull(SplitWatch.mustGiveWay(a.view(), List.of(new MembershipView.Elsewhere("n1", "h", List.of("n1"),
                false))));
        assertNotNull(SplitWatch.mustGiveWay(b.view(), List.of(new MembershipView.Elsewhere("n0", "h", List.of("n0"),
                false))));
    }

    @Test
    void theWatchAsksMissingMembersAndReportsWhereTheyAre() {
        Membership lone = Membership.open(null, "n1", 0);
        lone.observe(servers("n0", "n1", "n2"));
        lone.observe(servers("n1"));
        String[] rejoined = new String[1];
        SplitWatch watch = new SplitWatch(lone, admin -> admin.equals("127.0.0.1:800")
                ? java.util.Optional.of(new SplitWatch.Peer("n0", List.of("n0", "n2"), true))
                : java.util.Optional.empty(), why -> rejoined[0] = why);
        watch.check();
        assertEquals(List.of(new MembershipView.Elsewhere("n0", "127.0.0.1:800", List.of("n0", "n2"), true)),
                lone.view().elsewhere());
        assertNotNull(rejoined[0]);
        assertTrue(rejoined[0].contains("n0"), rejoined[0]);
    }
}
