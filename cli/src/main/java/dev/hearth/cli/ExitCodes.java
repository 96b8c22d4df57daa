package dev.hearth.cli;

/** hearthctl's exit codes; documented in {@code hearthctl --help} and the README. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int UNSAFE = 3;
    public static final int UNREACHABLE = 4;
    /** verify found damage it did not repair; zone recover left tenants in maintenance. */
    public static final int DAMAGED = 5;

    public static final String[] HELP = {
        "Exit codes:",
        "  0  ok",
        "  1  the operation failed (e.g. a node did not come back, a dump failed)",
        "  2  usage error (bad option or argument, unknown node, zone or tenant)",
        "  3  refused as unsafe or conflicting (the cluster is missing copies, rebalancing, or a node is not ready; "
                + "a tenant has keys in another zone, a move is already running)",
        "  4  the cluster or a node is unreachable",
        "  5  damage found and not repaired (verify), tenants left in maintenance (zone recover)",
    };

    private ExitCodes() {
    }
}
