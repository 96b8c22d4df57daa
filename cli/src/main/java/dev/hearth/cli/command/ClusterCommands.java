package dev.hearth.cli.command;

import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.operation.Cluster;
import dev.hearth.cli.operation.Membership;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Progress;
import dev.hearth.cli.output.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cluster forget}: the cluster's expected members. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "The cluster's expected members. Every node remembers each member it has seen (in its data "
                + "dir) and accepts writes only while it sees a majority of them (the quorum); a node removed for "
                + "good stays expected until it is forgotten.",
        subcommands = {ClusterCommands.Forget.class})
public final class ClusterCommands implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: forget");
    }

    @Command(name = "forget", mixinStandardHelpOptions = true,
            description = {"Removes NODE from the expected members of every reachable node "
                    + "(POST /admin/membership/forget?node=NODE on each), so that the expected size and the quorum "
                    + "shrink: for a node taken out of the cluster for good. A forgotten node that joins again is "
                    + "expected again.",
                    "Needs --yes; --dry-run shows what would change on each node and changes nothing.",
                    "Refused (exit 3) while NODE is in the cluster or answers from another cluster: stop it first. "
                            + "Exit 2 if no node expects NODE, 1 if a node could not be changed (unreachable: run "
                            + "it again once the node is back; nodes already changed answer 'already forgotten').",
                    "Example: hearthctl cluster forget n3 --dry-run; hearthctl cluster forget n3 --yes"})
    public static final class Forget implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NODE", description = "The node name to forget.")
        String node;

        @Mixin
        Confirmation confirm;

        @Override
        public Integer call() {
            confirm.require("forgetting " + node + " removes it from every node's expected members for good (the "
                    + "expected size and the quorum shrink)");
            boolean dryRun = confirm.dryRun();
            Cluster cluster = Cluster.discover(global.admin());
            List<Cluster.NodeView> views = cluster.views();
            List<Cluster.NodeView> all = new ArrayList<>(views);
            all.addAll(cluster.outsiders(views));
            refuseIfPresent(all);

            List<Cluster.NodeView> targets = all.stream().filter(v -> !v.member().name().equals(node)).toList();
            boolean anyExpects = false;
            boolean anyReports = false;
            for (Cluster.NodeView v : targets) {
                if (v.reachable()) {
                    Membership m = Membership.of(v.status());
                    anyReports |= m.reported();
                    anyExpects |= m.expected().contains(node);
                }
            }
            if (!anyReports) {
                throw CliException.failed("no reachable node reports its membership: the nodes predate "
                        + "`cluster forget` (upgrade them)");
            }
            if (!anyExpects) {
                throw CliException.usage("no reachable node expects '" + node + "'; the expected members are "
                        + expectedNames(targets));
            }

            Progress progress = new Progress(spec.commandLine().getErr());
            List<Map<String, Object>> results = new ArrayList<>();
            int exit = ExitCodes.OK;
            for (Cluster.NodeView v : targets) {
                Map<String, Object> r = dryRun ? predict(v) : apply(v);
                results.add(r);
                progress.line(v.member().name() + " (" + v.member().admin() + "): " + r.get("result"));
                exit = worse(exit, (Integer) r.remove("exit"));
            }
            List<String> notes = new ArrayList<>();
            for (Map<String, Object> r : results) {
                Object size = r.get("expectedSizeAfter");
                Object names = r.get("expectedAfter");
                if (!dryRun && size instanceof Integer s && names instanceof List<?> l && s > l.size()) {
                    notes.add(r.get("name") + " still expects " + s + " members: its cluster.expectedSize is " + s
                            + "; lower it in that node's config too");
                }
            }
            if (dryRun) {
                notes.add("sizes assume cluster.expectedSize is not above the new number of names; a node configured "
                        + "higher keeps its configured size");
            }
            if (global.json()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("node", node);
                out.put("dryRun", dryRun);
                out.put("results", results);
                out.put("notes", notes);
                global.print(spec.commandLine().getOut(), out);
            } else {
                Table t = new Table("NODE", "ADMIN", "RESULT", "EXPECTED", "SIZE", "QUORUM");
                for (Map<String, Object> r : results) {
                    t.row(r.get("name"), r.get("admin"), r.get("result"),
                            change(r.get("expectedBefore"), r.get("expectedAfter")),
                            change(r.get("expectedSizeBefore"), r.get("expectedSizeAfter")),
                            change(r.get("quorumBefore"), r.get("quorumAfter")));
                }
                StringBuilder sb = new StringBuilder(dryRun ? "dry run: nothing was changed\n" : "");
                sb.append(t.render());
                notes.forEach(n -> sb.append("note: ").append(n).append('\n'));
                Output.text(spec.commandLine().getOut(), sb.toString());
            }
            if (exit == ExitCodes.UNSAFE) {
                spec.commandLine().getErr().println("hearthctl: " + node + " is present on some node's topology "
                        + "again; nothing more was changed there");
            } else if (exit != ExitCodes.OK) {
                spec.commandLine().getErr().println("hearthctl: " + node + " was not forgotten everywhere; run the "
                        + "same command again once every node answers");
            }
            spec.commandLine().getErr().flush();
            return exit;
        }

        /** Exit 3 while the node is a member of any answering node's topology, or answers itself. */
        private void refuseIfPresent(List<Cluster.NodeView> all) {
            List<String> seenBy = new ArrayList<>();
            for (Cluster.NodeView v : all) {
                if (v.reachable() && Membership.of(v.status()).present().contains(node)) {
                    if (v.member().name().equals(node)) {
                        throw CliException.unsafe(node + " is running: it answers at " + v.member().admin()
                                + " (it sees " + Membership.list(Membership.of(v.status()).present())
                                + "). Stop it for good first, then forget it.");
                    }
                    seenBy.add(v.member().name());
                }
            }
            if (!seenBy.isEmpty()) {
                throw CliException.unsafe(node + " is still in the cluster (seen by " + Membership.list(seenBy)
                        + "). Stop it for good and wait until the others have dropped it, then forget it.");
            }
        }

        private static String expectedNames(List<Cluster.NodeView> views) {
            java.util.TreeSet<String> names = new java.util.TreeSet<>();
            for (Cluster.NodeView v : views) {
                if (v.reachable()) {
                    names.addAll(Membership.of(v.status()).expected());
                }
            }
            return Membership.list(names);
        }

        private Map<String, Object> row(Cluster.NodeView v) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", v.member().name());
            r.put("admin", v.member().admin());
            if (v.reachable()) {
                Membership m = Membership.of(v.status());
                r.put("expectedBefore", m.expected());
                r.put("expectedSizeBefore", m.expectedSize());
                r.put("quorumBefore", m.quorum());
            }
            return r;
        }

        private static void after(Map<String, Object> r, List<String> expected, int size, int quorum) {
            r.put("expectedAfter", expected);
            r.put("expectedSizeAfter", size);
            r.put("quorumAfter", quorum);
        }

        /** What forgetting would do on this node: its own figures, without the name. */
        Map<String, Object> predict(Cluster.NodeView v) {
            Map<String, Object> r = row(v);
            Integer exit = unchangeable(v, r);
            if (exit != null) {
                r.put("exit", exit);
                return r;
            }
            Membership m = Membership.of(v.status());
            List<String> expected = m.expected().stream().filter(n -> !n.equals(node)).toList();
            // The node's rule: max(cluster.expectedSize, names); a size above the names is the configured one.
            int size = m.expectedSize() > m.expected().size() ? m.expectedSize() : expected.size();
            after(r, expected, size, size / 2 + 1);
            r.put("result", "would forget " + node);
            r.put("exit", ExitCodes.OK);
            return r;
        }

        Map<String, Object> apply(Cluster.NodeView v) {
            Map<String, Object> r = row(v);
            Integer exit = unchangeable(v, r);
            if (exit != null) {
                r.put("exit", exit);
                return r;
            }
            try {
                Membership m = Membership.parse(v.member().client().post("/admin/membership/forget",
                        AdminClient.params("node", node)));
                after(r, m.expected(), m.expectedSize(), m.quorum());
                r.put("result", "forgot " + node);
                r.put("exit", ExitCodes.OK);
            } catch (AdminClient.AdminException e) {
                if (e.status() == 404) {
                    r.put("result", "already forgotten (" + e.getMessage() + ")");
                    r.put("exit", ExitCodes.OK);
                } else if (e.status() == 409) {
                    r.put("result", "refused: " + e.getMessage());
                    r.put("exit", ExitCodes.UNSAFE);
                } else {
                    r.put("result", "failed: " + e.status() + " " + e.getMessage());
                    r.put("exit", ExitCodes.FAILED);
                }
            } catch (CliException e) {
                r.put("result", "failed: " + e.getMessage());
                r.put("exit", ExitCodes.FAILED);
            }
            return r;
        }

        /** The exit code of a node that cannot or need not be changed (result set), or null if it can. */
        private Integer unchangeable(Cluster.NodeView v, Map<String, Object> r) {
            if (!v.reachable()) {
                r.put("result", "unreachable (" + v.error() + "): not changed");
                return ExitCodes.FAILED;
            }
            Membership m = Membership.of(v.status());
            if (!m.reported()) {
                r.put("result", "does not report membership (an older node): not changed");
                return ExitCodes.FAILED;
            }
            if (!m.expected().contains(node)) {
                r.put("result", "already forgotten");
                return ExitCodes.OK;
            }
            return null;
        }

        /** The exit code that tells more: refused over failed over ok. */
        private static int worse(int a, int b) {
            if (a == ExitCodes.UNSAFE || b == ExitCodes.UNSAFE) {
                return ExitCodes.UNSAFE;
            }
            return Math.max(a, b);
        }

        private static String change(Object before, Object after) {
            String b = before instanceof List<?> l ? Membership.list(l.stream().map(String::valueOf).toList())
                    : before == null ? "-" : before.toString();
            if (after == null) {
                return b;
            }
            String a = after instanceof List<?> l ? Membership.list(l.stream().map(String::valueOf).toList())
                    : after.toString();
            return b.equals(a) ? b : b + " -> " + a;
        }
    }
}
