package dev.hearth.cli;

/** hearthctl's exit codes; {@link #HELP} is the footer of {@code hearthctl --help}, docs/hearthctl.md says the same. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int UNSAFE = 3;
    public static final int UNREACHABLE = 4;
    /** verify found damage it did not repair; zone recover left tenants in maintenance. */
    public static final int DAMAGED = 5;
    /** A node refused the admin token: none given (401) or a wrong one (403). */
    public static final int UNAUTHORISED = 6;

    /** The footer of {@code hearthctl --help}. */
    public static final String[] HELP = {
        "Exit codes:",
        "  0  ok (status: the cluster is healthy)",
        "  1  the operation failed (a node did not come back, a dump failed...); status: the cluster is not healthy "
                + "(a node not ready, unreachable or missing, a split, no quorum, missing copies)",
        "  2  usage error (bad option or argument, unknown node, zone or tenant; a command that needs --yes)",
        "  3  refused as unsafe or conflicting (missing copies, rebalancing, a node not ready, a zone without "
                + "backups; a tenant with keys in another zone, a move already running; forgetting a node still "
                + "in the cluster)",
        "  4  the cluster or a node is unreachable",
        "  5  damage found and not repaired (verify), tenants left in maintenance (zone recover)",
        "  6  unauthorised: a node needs the admin token (--token or HEARTH_TOKEN) or refused the one given",
    };

    private ExitCodes() {
    }
}
