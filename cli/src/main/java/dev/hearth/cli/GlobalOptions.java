package dev.hearth.cli;

import dev.hearth.cli.http.AdminClient;
import dev.hearth.cli.output.Output;
import dev.hearth.tls.ClientTls;
import dev.hearth.tls.PemException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options every command takes: where the cluster is and how to print. Each connection setting comes from its option,
 * else its environment variable, else the context file ({@link Contexts}), else its default. (Inside a node's
 * container, bin/hearthctl sets the variables from the node's own settings.)
 */
public final class GlobalOptions {
    public enum Format { table, json, yaml }

    static final String DEFAULT_ADMIN = "127.0.0.1:8080";
    /** How long each address of a list gets to answer before the next is tried. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    @Option(names = {"--admin", "--endpoints"}, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Admin addresses of nodes of the cluster, comma-separated: the first that answers is used, "
                    + "and the others are discovered from its /status. https://HOST:PORT for a cluster with "
                    + "tls.enabled. Env: HEARTH_ADMIN. Default: the context's, else " + DEFAULT_ADMIN + ".")
    String admin;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The cluster's admin token (the nodes' admin.token or admin.tokenFile), sent to every node "
                    + "as Authorization: Bearer. Env: HEARTH_TOKEN (preferred: an option is visible in ps), or the "
                    + "context's token or token-file.")
    String token;

    @Option(names = "--cacert", paramLabel = "PEM",
            description = "CA certificate(s) to trust for the nodes' HTTPS admin ports (the cluster CA, tls.caFile); "
                    + "implies https. Env: HEARTH_CACERT. Default: the context's, else the JVM's trust store.")
    Path cacert;

    @Option(names = "--cert", paramLabel = "PEM",
            description = "Client certificate for mutual TLS (signed by the cluster CA; a node with tls.enabled "
                    + "demands one); with --key. Implies https. Env: HEARTH_CERT.")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM",
            description = "Private key of --cert: unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY), RSA or EC. Env: HEARTH_KEY.")
    Path key;

    @Option(names = "--context", paramLabel = "NAME",
            description = "The context of the context file to use. Env: HEARTH_CONTEXT. Default: its current-context.")
    String context;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The context file. Env: HEARTH_CONFIG. Default: ~/.config/hearth/config.yaml "
                    + "($XDG_CONFIG_HOME/hearth/config.yaml).")
    String config;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Format output;

    /** The environment; tests give their own. */
    Map<String, String> env = System.getenv();
    private Contexts.Context resolvedContext;
    private boolean contextLoaded;

    private String env(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    private Contexts.Context context() {
        if (!contextLoaded) {
            String name = context != null ? context : env("HEARTH_CONTEXT");
            String file = config != null ? config : env("HEARTH_CONFIG");
            resolvedContext = Contexts.load(Contexts.file(file, env), name, env);
            contextLoaded = true;
        }
        return resolvedContext;
    }

    private Path pathSetting(Path option, String envName, java.util.function.Function<Contexts.Context, Path> ctx) {
        if (option != null) {
            return option;
        }
        String e = env(envName);
        if (e != null) {
            return Path.of(e);
        }
        Contexts.Context c = context();
        return c == null ? null : ctx.apply(c);
    }

    /** The admin addresses as given (option, env, context or default), each still with its scheme if it had one. */
    List<String> adminAddresses() {
        String given = admin != null ? admin : env("HEARTH_ADMIN");
        if (given != null) {
            List<String> out = new ArrayList<>();
            for (String a : given.split(",")) {
                if (!a.isBlank()) {
                    out.add(a.trim());
                }
            }
            return out;
        }
        Contexts.Context c = context();
        return c != null && c.admin() != null ? c.admin() : List.of(DEFAULT_ADMIN);
    }

    /**
     * The admin address to use, as HOST:PORT: of a list, the first whose {@code /health/live} answers (any status),
     * else the first. An https:// address, a CA or a client certificate switches every admin call of this run to
     * HTTPS ({@link AdminClient#useTls}).
     *
     * @throws CliException a usage error for a bad address, a certificate without its key, or a bad PEM file
     */
    public String admin() {
        List<String> given = adminAddresses();
        if (given.isEmpty()) {
            throw CliException.usage("--admin is empty");
        }
        boolean https = false;
        List<String> addresses = new ArrayList<>();
        for (String a : given) {
            String address = a;
            if (address.startsWith("https://")) {
                https = true;
                address = address.substring("https://".length());
            } else if (address.startsWith("http://")) {
                address = address.substring("http://".length());
            }
            if (address.endsWith("/")) {
                address = address.substring(0, address.length() - 1);
            }
            addresses.add(AdminClient.checkAddress(address, "--admin"));
        }
        Path ca = pathSetting(cacert, "HEARTH_CACERT", Contexts.Context::cacert);
        Path certificate = pathSetting(cert, "HEARTH_CERT", Contexts.Context::cert);
        Path privateKey = pathSetting(key, "HEARTH_KEY", Contexts.Context::key);
        if ((certificate == null) != (privateKey == null)) {
            throw CliException.usage("--cert and --key go together (got only "
                    + (certificate == null ? "--key" : "--cert") + ")");
        }
        if (https || ca != null || certificate != null) {
            try {
                AdminClient.useTls(ClientTls.context(ca, certificate, privateKey));
            } catch (PemException e) {
                throw CliException.usage(e.getMessage());
            }
        } else {
            AdminClient.usePlainHttp();
        }
        if (addresses.size() > 1) {
            for (String a : addresses) {
                if (new AdminClient(a, PROBE_TIMEOUT, token()).probe("/health/live") >= 0) {
                    return a;
                }
            }
        }
        return addresses.get(0);
    }

    /** The admin token to send, or null for none. */
    public String token() {
        if (token != null) {
            return token.isEmpty() ? null : token;
        }
        String e = env("HEARTH_TOKEN");
        if (e != null) {
            return e;
        }
        Contexts.Context c = context();
        return c == null ? null : c.token();
    }

    /** Whether the result is printed as data (JSON or YAML) rather than tables: see {@link #print}. */
    public boolean json() {
        return output == Format.json || output == Format.yaml;
    }

    /** Prints a result as the JSON or YAML asked for. */
    public void print(PrintWriter out, Object value) {
        if (output == Format.yaml) {
            Output.yaml(out, value);
        } else {
            Output.json(out, value);
        }
    }
}
