package dev.hearth.node.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The text of a users file (memcached.usersFile): one {@code user:secret} per line, as memcached's {@code -Y} auth
 * file, where the secret is a {@link PasswordHash} string or (accepted with a warning) a plain password. Blank lines
 * and lines starting with '#' are ignored; a user name is a tenant name (so it has no ':').
 */
public final class UserList {
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private UserList() {
    }

    /**
     * @return user -> secret, in file order
     * @throws IllegalArgumentException naming the line and what is wrong with it, never quoting a secret
     */
    public static Map<String, String> parse(String text) {
        Map<String, String> users = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected user:secret");
            }
            String user = line.substring(0, colon);
            String secret = line.substring(colon + 1);
            check(user, secret, "line " + (i + 1));
            if (users.put(user, secret) != null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": user '" + user + "' is listed twice");
            }
        }
        return users;
    }

    /**
     * Checks one user and its secret.
     *
     * @param where where they come from, to start the message with
     * @throws IllegalArgumentException if the user is not a tenant name, the secret is empty, or it looks like a
     *         hash and is not a valid one
     */
    public static void check(String user, String secret, String where) {
        if (!USER.matcher(user).matches()) {
            throw new IllegalArgumentException(where + ": user '" + user + "' is not a tenant name (1-64 letters, "
                    + "digits, '.', '_' or '-', starting with a letter or digit)");
        }
        if (secret.isEmpty()) {
            throw new IllegalArgumentException(where + ": user '" + user + "' has an empty password");
        }
        if (PasswordHash.looksHashed(secret)) {
            try {
                PasswordHash.parse(secret);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": user '" + user + "': " + e.getMessage(), e);
            }
        }
    }
}
