package dev.hearth.cli.command;

import dev.hearth.cli.CliException;
import picocli.CommandLine.Option;

/**
 * {@code --yes} and {@code --dry-run}, shared by every command that takes data or service away, so each refuses
 * the same way: without either, exit 2 with what it would do; with {@code --dry-run}, only show it.
 */
public final class Confirmation {
    @Option(names = "--yes", description = "Do it: the command changes data or service and asks for this.")
    boolean yes;

    @Option(names = "--dry-run", description = "Only show what the command would do; change nothing.")
    boolean dryRun;

    public boolean dryRun() {
        return dryRun;
    }

    /**
     * Refuses unless {@code --yes} or {@code --dry-run} was given.
     *
     * @param consequence what the command would do, as the start of a sentence ("flush removes every key of ...")
     * @throws CliException a usage error (exit 2) naming both options
     */
    public void require(String consequence) {
        if (!yes && !dryRun) {
            throw CliException.usage(consequence + ": run again with --yes, or with --dry-run to see what it would "
                    + "do");
        }
    }
}
