package dev.hearth.cli.command;

import dev.hearth.cli.ExitCodes;
import dev.hearth.cli.GlobalOptions;
import dev.hearth.cli.operation.KubeApi;
import dev.hearth.cli.operation.Restarter;
import dev.hearth.cli.output.Durations;
import dev.hearth.cli.output.Output;
import dev.hearth.cli.output.Progress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rolling-restart} and {@code node restart}. */
public final class RestartCommands {
    private RestartCommands() {
    }

    static final String HOW = "For each node: check the cluster is safe (every node ready, every partition of every "
            + "zone has all its copies, nothing rebalancing, the node safe to stop), stop it gracefully through its "
            + "admin port, wait until its supervisor has started it again (hearthctl local, systemd Restart=always, "
            + "a Kubernetes StatefulSet) and it is ready, then the next. With --kube-api, a node is restarted by "
            + "deleting its pod (named like the node) through the Kubernetes API instead. Progress goes to stderr.";

    static int print(CommandSpec spec, GlobalOptions global, Map<String, Object> result) {
        if (global.json()) {
            global.print(spec.commandLine().getOut(), result);
        } else {
            Output.text(spec.commandLine().getOut(), Restarter.render(result));
        }
        return ExitCodes.OK;
    }

    @Command(name = "rolling-restart", mixinStandardHelpOptions = true,
            description = {"Restarts the cluster's nodes one at a time without losing a copy of anything.", HOW,
                    "Refuses to start when the cluster is not safe (exit 3); stops at the first failure (exit 1) with "
                            + "what to do next."})
    public static final class RollingRestart implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Mixin
        KubeApi.Options kube;

        @Option(names = "--nodes", split = ",", paramLabel = "NODE",
                description = "Only these nodes, in this order (comma-separated names). Default: every node.")
        List<String> nodes;

        @Option(names = "--dry-run", description = "Check the cluster is safe and print the plan; stop nothing.")
        boolean dryRun;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
                converter = Durations.Converter.class,
                description = "Longest wait per node (stop, start, rebalance, settle). Default: ${DEFAULT-VALUE}.")
        Duration timeout;

        @Override
        public Integer call() {
            Restarter r = new Restarter(global.admin(), timeout, new Progress(spec.commandLine().getErr()),
                    kube.api());
            return print(spec, global, r.run(nodes, dryRun));
        }
    }

    @Command(name = "node", mixinStandardHelpOptions = true, description = "Acts on one node.",
            subcommands = NodeRestart.class)
    public static final class NodeCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: restart");
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = {"Restarts one node safely (a rolling restart of one node).", HOW})
    public static final class NodeRestart implements Callable<Integer> {
        @Mixin
        GlobalOptions global;

        @Spec
        CommandSpec spec;

        @Mixin
        KubeApi.Options kube;

        @Parameters(paramLabel = "NODE", description = "The node's name (as in `hearthctl status`).")
        String node;

        @Option(names = "--dry-run", description = "Check the cluster is safe; stop nothing.")
        boolean dryRun;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
                converter = Durations.Converter.class,
                description = "Longest wait (stop, start, rebalance). Default: ${DEFAULT-VALUE}.")
        Duration timeout;

        @Override
        public Integer call() {
            Restarter r = new Restarter(global.admin(), timeout, new Progress(spec.commandLine().getErr()),
                    kube.api());
            return print(spec, global, r.run(List.of(node), dryRun));
        }
    }
}
