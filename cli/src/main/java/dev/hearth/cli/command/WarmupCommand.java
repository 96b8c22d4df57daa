package dev.hearth.cli.command;

import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.operation.Cluster;
import dev.hearth.cli.operation.ClusterWarmup;
import dev.hearth.cli.output.Bytes;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Progress;
import dev.hearth.cli.output.Table;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "warmup", mixinStandardHelpOptions = true,
        description = {"Loads a dump back into the running cluster: every node streams its own files of the dump into "
                + "the cluster, skipping entries that expired meanwhile and never overwriting a key written since "
                + "the cluster came back. Waits until every node is done; progress (entries, MB/s, ETA) on stderr.",
                "Exit 1 if a node has no such dump, its warm-up failed, or it was lost or restarted during the "
                        + "warm-up; the other nodes' parts are loaded all the same. Running the same warm-up again "
                        + "(e.g. --nodes with the lost node, once it is back) only inserts what is missing."})
public final class WarmupCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "NAME", description = "The dump (see hearthctl dump list).")
    String from;

    @Option(names = "--zone", paramLabel = "ZONE", description = "Only this zone. Default: every zone of the dump.")
    String zone;

    @Option(names = "--rate", paramLabel = "ENTRIES", defaultValue = "0",
            description = "Entries per second each node loads at most; 0 = as fast as the cluster takes them.")
    long rate;

    @Option(names = "--nodes", split = ",", paramLabel = "NODE",
            description = "Only these nodes load their part of the dump (comma-separated names). Default: every node.")
    List<String> nodes;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60m", converter = Durations.Converter.class,
            description = "Longest wait. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Override
    public Integer call() {
        if (rate < 0) {
            throw CliException.usage("--rate must be 0 (unlimited) or a positive number of entries per second");
        }
        List<Cluster.Member> targets = Cluster.discover(global.admin()).select(nodes);
        ClusterWarmup.Result result = ClusterWarmup.run(targets, from, zone, rate, timeout,
                new Progress(spec.commandLine().getErr()));
        if (global.json()) {
            global.print(spec.commandLine().getOut(), result);
        } else {
            Table table = new Table("NODE", "STATE", "READ", "LOADED", "EXPIRED", "DAMAGED", "SIZE", "TIME", "ERROR");
            result.nodes().forEach(n -> table.row(n.node(), n.state(), n.entriesRead(), n.entriesSent(),
                    n.skippedExpired(), n.skippedDamaged(), Bytes.format(n.bytesRead()),
                    Durations.format(n.elapsedMillis()), n.error() == null ? "" : n.error()));
            Output.text(spec.commandLine().getOut(), table.render() + String.format(Locale.ROOT,
                    "warm-up from %s: %d entries loaded in %s (%.1f MB/s, %.0f entries/s)%n", from,
                    result.entriesSent(), Durations.format(result.elapsedMillis()), result.mbPerSecond(),
                    result.entriesPerSecond()));
        }
        if (!result.ok()) {
            throw CliException.failed("warm-up from " + from + " did not complete on every node: "
                    + String.join("; ", result.errors()) + ". The other nodes' parts are loaded. Once every node is "
                    + "up, run the same warm-up again for the nodes named here (--nodes): it only inserts what is "
                    + "missing and never overwrites newer writes");
        }
        return ExitCodes.OK;
    }
}
