package dev.hearth.cli;

import dev.hearth.cli.command.ClusterCommands;
import dev.hearth.cli.command.DumpCommands;
import dev.hearth.cli.command.IntegrityCommands;
import dev.hearth.cli.command.JobCommands;
import dev.hearth.cli.command.LocalCommands;
import dev.hearth.cli.command.MemcachedCommands;
import dev.hearth.cli.command.RestartCommands;
import dev.hearth.cli.command.StatusCommand;
import dev.hearth.cli.command.TenantCommands;
import dev.hearth.cli.command.WarmupCommand;
import dev.hearth.cli.command.ZoneCommands;
import dev.hearth.cli.http.AdminClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code hearthctl}: the operator's command line for a Hearth cluster. */
@Command(name = "hearthctl", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Operates a Hearth cluster through its nodes' admin HTTP ports: status, a local cluster, safe "
                + "rolling restarts, dumps and warm-up, zones and tenants (placement, moves, maintenance). Reaches the cluster through one node's admin address "
                + "(--admin HOST:PORT or HEARTH_ADMIN, default 127.0.0.1:8080) and discovers the others from it. "
                + "Every command takes --help; those that report on the cluster take --output table|json|yaml.",
        footerHeading = "%n")
public final class Main implements Callable<Integer> {
    /**
     * The commands, in the order help lists them. Added in {@link #commandLine(String...)}, not by the annotation:
     * picocli builds the model of every command it is given, and building all of them (by reflection) was a third of
     * a {@code hearthctl status} call.
     */
    static final List<Class<?>> COMMANDS = List.of(StatusCommand.class, dev.hearth.cli.bench.BenchCommand.class,
            LocalCommands.class, RestartCommands.NodeCommand.class, RestartCommands.RollingRestart.class,
            DumpCommands.class, WarmupCommand.class, ClusterCommands.class, ZoneCommands.class, TenantCommands.class,
            IntegrityCommands.Verify.class, JobCommands.class, MemcachedCommands.class, Main.Completion.class);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** hearthctl with every command (help, completion, tests). */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * hearthctl for running {@code args}: with only the command they name when the first argument names one (by its
     * name or an alias), else with every command (help, completion, a mistyped command's suggestions).
     */
    public static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> only = null;
        if (args.length > 0 && !args[0].equals("completion")) {
            for (Class<?> c : COMMANDS) {
                Command a = c.getAnnotation(Command.class);
                if (a.name().equals(args[0]) || List.of(a.aliases()).contains(args[0])) {
                    only = c;
                }
            }
        }
        for (Class<?> c : only != null ? List.of(only) : COMMANDS) {
            cl.addSubcommand(c);
        }
        cl.getCommandSpec().usageMessage().footer(ExitCodes.HELP);
        cl.setExecutionStrategy(parsed -> {
            try {
                AdminClient.useToken(token(parsed));
            } catch (CliException e) {
                // A context file that cannot be read or lacks the named context: reported as the command's error.
                throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), e.getMessage(), e);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof CliException ce) {
                err.println("hearthctl: " + ce.getMessage());
                err.flush();
                return ce.exitCode();
            }
            if (e instanceof AdminClient.AdminException ae) {
                err.println("hearthctl: a node answered " + ae.status() + ": " + ae.getMessage());
                err.flush();
                return ExitCodes.FAILED;
            }
            err.println("hearthctl: " + e);
            e.printStackTrace(err);
            err.flush();
            return ExitCodes.FAILED;
        });
        return cl;
    }

    /**
     * The admin token of this run: the {@code --token} of the command that runs (its {@link GlobalOptions}, which
     * default to {@code HEARTH_TOKEN}), or {@code HEARTH_TOKEN} for a command without them ({@code local up}).
     */
    private static String token(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult last = parsed;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        for (CommandLine.Model.CommandSpec mixin : last.commandSpec().mixins().values()) {
            if (mixin.userObject() instanceof GlobalOptions g) {
                return g.token();
            }
        }
        return System.getenv("HEARTH_TOKEN");
    }

    /** Runs hearthctl in this JVM (tests) and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    @Command(name = "completion", mixinStandardHelpOptions = true,
            description = {"Prints a bash/zsh completion script for hearthctl.",
                    "Use: source <(hearthctl completion)   or save it to /etc/bash_completion.d/hearthctl"})
    public static final class Completion implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            CommandLine root = spec.root().commandLine();
            spec.commandLine().getOut().print(AutoComplete.bash("hearthctl", root));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"hearthctl " + (v == null ? "dev" : v)};
        }
    }
}
