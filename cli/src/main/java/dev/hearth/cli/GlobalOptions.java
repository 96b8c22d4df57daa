package dev.hearth.cli;

import picocli.CommandLine.Option;

/** Options every command takes: where the cluster is and how to print. */
public final class GlobalOptions {
    public enum Format { table, json }

    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "${env:HEARTH_ADMIN:-127.0.0.1:8080}",
            description = "Admin address of any node of the cluster; the others are discovered from its /status. "
                    + "Env: HEARTH_ADMIN. Default: ${DEFAULT-VALUE}.")
    String admin;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:HEARTH_TOKEN}",
            description = "The cluster's admin token (the nodes' admin.token or admin.tokenFile), sent to every node "
                    + "as Authorization: Bearer. Env: HEARTH_TOKEN (preferred: an option is visible in ps); the option "
                    + "wins.")
    String token;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Format output;

    public String admin() {
        return AdminClient.checkAddress(admin, "--admin");
    }

    /** The admin token to send, or null for none. */
    public String token() {
        return token == null || token.isEmpty() ? null : token;
    }

    public boolean json() {
        return output == Format.json;
    }
}
