package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.http.AdminClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code hearthctl cluster forget} against admin ports that follow the node's forget contract. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterForgetTest {
    /** n3 was removed for good: n0, n1, n2 still expect it. */
    private static FixtureNodes n3Gone() throws Exception {
        FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2", "n3");
        for (String n : List.of("n0", "n1", "n2")) {
            nodes.topology(n, "n0", "n1", "n2");
        }
        nodes.down("n3");
        return nodes;
    }

    private static CliRun forget(FixtureNodes nodes, String... args) {
        List<String> a = new ArrayList<>(List.of("cluster", "forget"));
        a.addAll(List.of(args));
        a.addAll(List.of("--admin", nodes.admin("n0")));
        return CliRun.of(a.toArray(String[]::new));
    }

    @Test
    void withoutYesItRefusesAndTouchesNothing() throws Exception {
        try (FixtureNodes nodes = n3Gone()) {
            CliRun r = forget(nodes, "n3");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("--yes") && r.err().contains("--dry-run"), r.toString());
            assertEquals(List.of(), nodes.forgetCalls);
        }
    }

    @Test
    void dryRunShowsTheChangeOnEveryNode() throws Exception {
        try (FixtureNodes nodes = n3Gone()) {
            CliRun r = forget(nodes, "n3", "--dry-run");
            assertEquals(0, r.code(), r.toString());
            assertEquals(List.of(), nodes.forgetCalls);
            assertTrue(r.out().startsWith("dry run: nothing was changed"), r.out());
            for (String n : List.of("n0", "n1", "n2")) {
                assertTrue(r.out().lines().anyMatch(l -> l.startsWith(n + " ") && l.contains("would forget n3")
                        && l.contains("n0, n1, n2, n3 -> n0, n1, n2") && l.contains("4 -> 3") && l.contains("3 -> 2")),
                        r.out());
                assertEquals(List.of("n0", "n1", "n2", "n3"), nodes.expected(n));
            }
        }
    }

    @Test
    void forgetsOnEveryReachableNode() throws Exception {
        try (FixtureNodes nodes = n3Gone()) {
            CliRun r = forget(nodes, "n3", "--yes", "-o", "json");
            assertEquals(0, r.code(), r.toString());
            for (String n : List.of("n0", "n1", "n2")) {
                assertEquals(List.of("n0", "n1", "n2"), nodes.expected(n), n);
                assertTrue(r.err().contains(n + " (" + nodes.admin(n) + "): forgot n3"), r.err());
            }
            JsonNode j = AdminClient.JSON.readTree(r.out());
            assertEquals(3, j.path("results").size());
            for (JsonNode res : j.path("results")) {
                assertEquals(3, res.path("expectedSizeAfter").asInt(), res.toString());
                assertEquals(2, res.path("quorumAfter").asInt(), res.toString());
            }
            // Again: nothing left to do, and it says so.
            r = forget(nodes, "n3", "--yes");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("no reachable node expects 'n3'"), r.toString());
        }
    }

    @Test
    void refusedWhileTheNodeIsInTheCluster() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            CliRun r = forget(nodes, "n1", "--yes");
            assertEquals(3, r.code(), r.toString());
            assertTrue(r.err().contains("n1 is running"), r.toString());
            nodes.down("n1");
            r = forget(nodes, "n1", "--yes");
            assertEquals(3, r.code(), r.toString());
            assertTrue(r.err().contains("n1 is still in the cluster (seen by n0, n2)"), r.toString());
            assertEquals(List.of(), nodes.forgetCalls);
        }
    }

    /** A node alive in another topology is not forgotten: it would come back with its own view. */
    @Test
    void refusedWhileTheNodeAnswersFromASplit() throws Exception {
        try (FixtureNodes nodes = new FixtureNodes("n0", "n1", "n2")) {
            nodes.topology("n0", "n0", "n2").topology("n2", "n0", "n2").topology("n1", "n1");
            nodes.elsewhere("n0", "n1", false, "n1");
            CliRun r = forget(nodes, "n1", "--yes");
            assertEquals(3, r.code(), r.toString());
            assertTrue(r.err().contains("n1 is running: it answers at " + nodes.admin("n1")), r.toString());
        }
    }

    @Test
    void unknownNameIsAUsageError() throws Exception {
        try (FixtureNodes nodes = n3Gone()) {
            CliRun r = forget(nodes, "n9", "--yes");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("the expected members are n0, n1, n2, n3"), r.toString());
        }
    }

    /** n2 stops answering (but stays in the topology, so the others still see it): the rest is done, exit 1. */
    @Test
    void aNodeThatDoesNotAnswerIsReportedAndTheRunCanBeRepeated() throws Exception {
        try (FixtureNodes nodes = n3Gone()) {
            nodes.down("n2");
            CliRun r = forget(nodes, "n3", "--yes");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("n2 ") && l.contains("unreachable")), r.out());
            assertTrue(r.err().contains("run the same command again"), r.toString());
            assertEquals(List.of("n0", "n1", "n2"), nodes.expected("n0"));
            assertEquals(List.of("n0", "n1", "n2"), nodes.expected("n1"));
        }
    }

    /** A node whose cluster.expectedSize is configured keeps that size: the operator is told to lower it. */
    @Test
    void configuredSizeIsNamed() throws Exception {
        try (FixtureNodes nodes = n3Gone()) {
            nodes.configuredSize("n1", 4);
            CliRun r = forget(nodes, "n3", "--yes");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("note: n1 still expects 4 members: its cluster.expectedSize is 4"), r.out());
        }
    }
}
