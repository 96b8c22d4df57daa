package dev.hearth.node.admin;

import dev.hearth.node.config.HearthConfig;
import dev.hearth.node.config.SecretFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The bearer token of the admin port ({@code admin.token} or {@code admin.tokenFile}), or none (the port is open).
 * The same token is what this node presents to its peers' admin ports (nodes of one cluster share it). Operators'
 * named tokens ({@code admin.tokens}) are accepted as well, and the audit log names their owner.
 *
 * <p>A token file is looked at again at most once a second (when {@link #check} or {@link #current} is called):
 * when its size, modification time or file (inode) changed, it is re-read. Content that is not a valid token (a
 * file caught half-written, emptied) is logged once and the previous token stays in force until the file changes
 * again and holds a valid one.
 */
public final class AdminToken {
    private static final Logger LOG = LogManager.getLogger(AdminToken.class);
    /** How often a token file is looked at. Rotation takes effect within this; a check costs one stat. */
    static final long RECHECK_NANOS = 1_000_000_000L;

    /** What a request's {@code Authorization} header amounts to. */
    public enum Result {
        /** The right token, or no token is configured. */
        ACCEPTED,
        /** No {@code Authorization: Bearer} header: answered 401 with {@code WWW-Authenticate: Bearer}. */
        MISSING,
        /** A bearer token that is not this node's: answered 403. */
        WRONG
    }

    /**
     * @param result the decision
     * @param who for the audit log: the name of the operator's token ({@code admin.tokens}) that matched, else
     *     {@code token:<fingerprint>} of the presented token, or {@code anonymous}
     */
    public record Verdict(Result result, String who) {
    }

    /** A token in force: its value, digest (compared in constant time) and fingerprint (logged). */
    private record Current(String token, byte[] digest, String fingerprint) {
    }

    /** An operator's token: name and digest. */
    private record Named(String name, byte[] digest) {
    }

    private final java.util.List<Named> named;
    private final Path file;
    private final LongSupplier clock;
    private volatile Current current;
    private volatile long checkedAt;
    /** The token file as last looked at (valid or not): a change of it is what makes the file be read again. */
    private Object seen;

    private AdminToken(String token, Path file, Object stamp, LongSupplier clock, Map<String, String> named) {
        this.named = named.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> new Named(e.getKey(), sha256(SecretFiles.checkToken(e.getValue())))).toList();
        this.file = file;
        this.clock = clock;
        this.current = token == null ? null : current(token);
        this.seen = stamp;
        this.checkedAt = clock.getAsLong();
    }

    /** No token: every route is open. */
    public static AdminToken none() {
        return new AdminToken(null, null, null, System::nanoTime, Map.of());
    }

    /** A fixed token. @throws IllegalArgumentException if it is not a valid token ({@link SecretFiles#checkToken}) */
    public static AdminToken of(String token) {
        return of(token, Map.of());
    }

    /**
     * A fixed token and operators' named tokens.
     *
     * @throws IllegalArgumentException if one is not a valid token ({@link SecretFiles#checkToken})
     */
    public static AdminToken of(String token, Map<String, String> named) {
        return new AdminToken(SecretFiles.checkToken(token), null, null, System::nanoTime, named);
    }

    /**
     * A token read from {@code file} now and re-read when it changes.
     *
     * @throws IOException the file cannot be read
     * @throws IllegalArgumentException its content is not a valid token
     */
    public static AdminToken file(Path file) throws IOException {
        return file(file, Map.of(), System::nanoTime);
    }

    static AdminToken file(Path file, Map<String, String> named, LongSupplier clock) throws IOException {
        Object stamp = stamp(file);
        return new AdminToken(SecretFiles.readToken(file), file, stamp, clock, named);
    }

    /**
     * From a validated config ({@link dev.hearth.node.config.ConfigLoader} has checked the token or read the file).
     *
     * @throws IllegalStateException if the token file cannot be read any more
     */
    public static AdminToken from(HearthConfig.Admin admin) {
        Map<String, String> named = admin.tokens() == null ? Map.of() : admin.tokens();
        if (admin.token() != null) {
            return of(admin.token(), named);
        }
        if (admin.tokenFile() != null) {
            try {
                return file(Path.of(admin.tokenFile()), named, System::nanoTime);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        return none();
    }

    /** Whether a token is configured (then protected routes need it). */
    public boolean required() {
        return current != null;
    }

    /** The token in force now, or null when none is configured. */
    public String current() {
        Current c = refreshed();
        return c == null ? null : c.token;
    }

    /** {@code Bearer <token>} for a request to a peer's admin port, or null when no token is configured. */
    public String authorization() {
        String t = current();
        return t == null ? null : "Bearer " + t;
    }

    /** The fingerprint of the token in force (for logs), or null when none is configured. */
    public String fingerprint() {
        Current c = refreshed();
        return c == null ? null : c.fingerprint;
    }

    /**
     * Decides one request. Compares digests of the presented and the configured token with
     * {@link MessageDigest#isEqual} (constant time, whatever the presented token's length).
     *
     * @param authorization the request's {@code Authorization} header, or null
     */
    public Verdict check(String authorization) {
        Current c = refreshed();
        String presented = bearer(authorization);
        String who = presented == null ? "anonymous" : "token:" + fingerprint(presented);
        if (c == null) {
            return new Verdict(Result.ACCEPTED, who);
        }
        if (presented == null) {
            return new Verdict(Result.MISSING, who);
        }
        byte[] digest = sha256(presented);
        boolean cluster = MessageDigest.isEqual(digest, c.digest);
        // Every named token is compared, the match or not: the time taken does not tell which one matched.
        String owner = null;
        for (Named n : named) {
            if (MessageDigest.isEqual(digest, n.digest) && owner == null) {
                owner = n.name;
            }
        }
        if (cluster) {
            return new Verdict(Result.ACCEPTED, who);
        }
        return owner != null ? new Verdict(Result.ACCEPTED, owner) : new Verdict(Result.WRONG, who);
    }

    /** The token of {@code Bearer <token>} (scheme case-insensitive), or null for no header or another scheme. */
    static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String h = authorization.trim();
        if (h.length() < 7 || !h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return null;
        }
        String t = h.substring(7).trim();
        return t.isEmpty() ? null : t;
    }

    /**
     * A short name of a token for logs: the first 12 hex digits of its SHA-256. It cannot be turned back into the
     * token (tokens have at least 16 characters), and tells apart which of several tokens a caller used.
     */
    public static String fingerprint(String token) {
        return HexFormat.of().formatHex(sha256(token)).substring(0, 12);
    }

    private Current refreshed() {
        Current c = current;
        if (file == null) {
            return c;
        }
        long now = clock.getAsLong();
        if (now - checkedAt < RECHECK_NANOS) {
            return c;
        }
        synchronized (this) {
            if (clock.getAsLong() - checkedAt < RECHECK_NANOS) {
                return current;
            }
            checkedAt = clock.getAsLong();
            Object stamp;
            try {
                stamp = stamp(file);
            } catch (IOException e) {
                LOG.warn("Admin token file {} cannot be read ({}); the token read before stays in force", file,
                        e.toString());
                return current;
            }
            if (Objects.equals(stamp, seen)) {
                return current;
            }
            seen = stamp;
            try {
                Current next = current(SecretFiles.readToken(file));
                if (!next.fingerprint.equals(current.fingerprint)) {
                    LOG.info("Admin token file {} changed: token {} replaces {}", file, next.fingerprint,
                            current.fingerprint);
                }
                current = next;
            } catch (IOException | IllegalArgumentException e) {
                LOG.warn("Admin token file {} changed but holds no valid token ({}); token {} stays in force", file,
                        e.getMessage(), current.fingerprint);
            }
            return current;
        }
    }

    private static Current current(String token) {
        return new Current(token, sha256(token), fingerprint(token));
    }

    /** What tells a changed file: its identity (a rename or a Kubernetes secret update makes a new one), size, mtime. */
    private static Object stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return java.util.Arrays.asList(a.fileKey(), a.size(), a.lastModifiedTime());
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
