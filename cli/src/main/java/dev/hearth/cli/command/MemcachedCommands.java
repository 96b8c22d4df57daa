package dev.hearth.cli.command;

import dev.hearth.cli.CliException;
import dev.hearth.cli.ExitCodes;
import dev.hearth.node.auth.PasswordHash;
import dev.hearth.node.auth.UserList;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memcached hash-password}: secrets for the memcached endpoint's SASL users. */
@Command(name = "memcached", mixinStandardHelpOptions = true,
        description = "Helpers for the memcached endpoint.",
        subcommands = {MemcachedCommands.HashPassword.class})
public final class MemcachedCommands implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: hash-password");
    }

    @Command(name = "hash-password", mixinStandardHelpOptions = true,
            description = {"Prints a salted hash of a password, for memcached.users.<user> or a line of "
                    + "memcached.usersFile (pbkdf2-sha256$<iterations>$<salt>$<hash>).",
                    "The password is read from the terminal without echo, or else from the first line of stdin "
                            + "(never from the command line, where other users of the machine could see it):",
                    "  hearthctl memcached hash-password --user alice >> users.txt"})
    public static final class HashPassword implements Callable<Integer> {
        /** Longest password read from stdin: anything longer is not a password typed or generated for this. */
        static final int MAX_PASSWORD_BYTES = 4096;

        @Spec
        CommandSpec spec;

        @Option(names = "--iterations", paramLabel = "N",
                description = "PBKDF2 iterations (default ${DEFAULT-VALUE}; each SASL check costs about this many "
                        + "HMACs, ~0.3 s at the default on one core).")
        int iterations = PasswordHash.DEFAULT_ITERATIONS;

        @Option(names = "--user", paramLabel = "USER",
                description = "Print a memcached.usersFile line, USER:<hash>, instead of the hash alone.")
        String user;

        @Override
        public Integer call() throws IOException {
            if (iterations < PasswordHash.MIN_ITERATIONS || iterations > PasswordHash.MAX_ITERATIONS) {
                throw CliException.usage("--iterations must be " + PasswordHash.MIN_ITERATIONS + "-"
                        + PasswordHash.MAX_ITERATIONS);
            }
            String password = read();
            if (password.isEmpty()) {
                throw CliException.usage("the password is empty (it is read from the first line of stdin)");
            }
            String hash = PasswordHash.hash(password, iterations);
            if (user != null) {
                try {
                    UserList.check(user, hash, "--user");
                } catch (IllegalArgumentException e) {
                    throw CliException.usage(e.getMessage());
                }
                spec.commandLine().getOut().println(user + ":" + hash);
            } else {
                spec.commandLine().getOut().println(hash);
            }
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }

        private static String read() throws IOException {
            Console console = System.console();
            if (console != null) {
                char[] typed = console.readPassword("Password: ");
                if (typed == null) {
                    return "";
                }
                String p = new String(typed);
                Arrays.fill(typed, '\0');
                return p;
            }
            return firstLine(System.in);
        }

        /** The first line of {@code in}, without its line end (LF or CRLF). */
        static String firstLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (line.size() >= MAX_PASSWORD_BYTES) {
                    throw CliException.usage("the password is longer than " + MAX_PASSWORD_BYTES + " bytes");
                }
                line.write(b);
            }
            byte[] bytes = line.toByteArray();
            int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
            return new String(bytes, 0, len, StandardCharsets.UTF_8);
        }
    }
}
