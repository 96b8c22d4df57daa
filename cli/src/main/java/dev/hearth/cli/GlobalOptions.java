package dev.hearth.cli;

import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.output.Output;
import dev.hearth.tls.ClientTls;
import dev.hearth.tls.PemException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command takes: where the cluster is and how to print. */
public final class GlobalOptions {
    public enum Format { table, json }

    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "${env:HEARTH_ADMIN:-127.0.0.1:8080}",
            description = "Admin address of any node of the cluster; the others are discovered from its /status. "
                    + "https://HOST:PORT for a cluster with tls.enabled. Env: HEARTH_ADMIN. Default: ${DEFAULT-VALUE}.")
    String admin;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:HEARTH_TOKEN}",
            description = "The cluster's admin token (the nodes' admin.token or admin.tokenFile), sent to every node "
                    + "as Authorization: Bearer. Env: HEARTH_TOKEN (preferred: an option is visible in ps); the option "
                    + "wins.")
    String token;

    @Option(names = "--cacert", paramLabel = "PEM", defaultValue = "${env:HEARTH_CACERT}",
            description = "CA certificate(s) to trust for the nodes' HTTPS admin ports (the cluster CA, tls.caFile); "
                    + "implies https. Env: HEARTH_CACERT. Default: the JVM's trust store.")
    Path cacert;

    @Option(names = "--cert", paramLabel = "PEM", defaultValue = "${env:HEARTH_CERT}",
            description = "Client certificate for mutual TLS (signed by the cluster CA; a node with tls.enabled "
                    + "demands one); with --key. Implies https. Env: HEARTH_CERT.")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM", defaultValue = "${env:HEARTH_KEY}",
            description = "Private key of --cert: unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY), RSA or EC. Env: HEARTH_KEY.")
    Path key;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Format output;

    /**
     * The --admin address as HOST:PORT. An https:// address, --cacert or --cert switches every admin call of this
     * run to HTTPS ({@link AdminClient#useTls}).
     *
     * @throws CliException a usage error for a bad address, a certificate without its key, or a bad PEM file
     */
    public String admin() {
        String address = admin;
        boolean https = false;
        if (address != null && address.startsWith("https://")) {
            https = true;
            address = address.substring("https://".length());
        } else if (address != null && address.startsWith("http://")) {
            address = address.substring("http://".length());
        }
        if (address != null && address.endsWith("/")) {
            address = address.substring(0, address.length() - 1);
        }
        address = AdminClient.checkAddress(address, "--admin");
        if ((cert == null) != (key == null)) {
            throw CliException.usage("--cert and --key go together (got only " + (cert == null ? "--key" : "--cert")
                    + ")");
        }
        if (https || cacert != null || cert != null) {
            try {
                AdminClient.useTls(ClientTls.context(cacert, cert, key));
            } catch (PemException e) {
                throw CliException.usage(e.getMessage());
            }
        } else {
            AdminClient.usePlainHttp();
        }
        return address;
    }

    /** The admin token to send, or null for none. */
    public String token() {
        return token == null || token.isEmpty() ? null : token;
    }

    public boolean json() {
        return output == Format.json;
    }
}
