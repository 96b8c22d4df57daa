package dev.hearth.node.memcached;

import dev.hearth.node.auth.PasswordHash;
import dev.hearth.node.auth.UserList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The SASL users of one memcached listener (memcached.users, or memcached.usersFile re-read when it changes) and
 * the check of a password against them.
 *
 * <p>A hashed password costs a full PBKDF2 to check, far too long for an event loop, so {@link #verify} runs it on
 * this listener's authentication threads (half the cores, at least one): a flood of wrong passwords takes at most
 * those cores. A password that was verified once is remembered per user (an HMAC of it under a key drawn at start,
 * never the password), so a client that reconnects with the right password is answered at once, on the calling
 * thread, and the checks a client's connection pool queued together cost one PBKDF2, not one each. Wrong passwords
 * are never remembered: every guess pays the full cost. An unknown user costs as much as the costliest known one.
 */
final class Credentials implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Credentials.class);
    private static final long FILE_CHECK_MILLIS = 1000;

    /** One user's secret: a hash, or (plain) the HMAC of the plain password. */
    private record Secret(PasswordHash hash, byte[] plainMac) {
    }

    /** Users as last loaded, and a stand-in hash for unknown users as costly as the costliest real one. */
    private record Users(Map<String, Secret> secrets, PasswordHash standIn) {
    }

    /** A password verified for a user: which secret it matched, and the HMAC of the password. */
    private record Verified(Secret secret, byte[] mac) {
    }

    private final Path file;
    private final byte[] macKey = new byte[32];
    /** Password checks, and the users file check. */
    private final ScheduledExecutorService threads;
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();
    private volatile Users users;
    /** The file's modification time and size as last read; a change of either re-reads it. */
    private long fileStamp = Long.MIN_VALUE;
    private long fileSize = -1;

    /**
     * @param configured memcached.users (used when {@code usersFile} is empty)
     * @param usersFile memcached.usersFile, "" = none
     * @throws IllegalStateException if the users file cannot be read or parsed now
     */
    Credentials(Map<String, String> configured, String usersFile) {
        new SecureRandom().nextBytes(macKey);
        AtomicInteger n = new AtomicInteger();
        threads = Executors.newScheduledThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), r -> {
            Thread t = new Thread(r, "hearth-memcached-auth-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        if (usersFile.isEmpty()) {
            file = null;
            users = load(configured, "memcached.users");
        } else {
            file = Path.of(usersFile);
            try {
                if (!reload()) {
                    throw new IllegalStateException("memcached.usersFile " + file + " could not be read");
                }
            } catch (RuntimeException e) {
                threads.shutdownNow();
                throw e;
            }
            threads.scheduleWithFixedDelay(this::checkFile, FILE_CHECK_MILLIS, FILE_CHECK_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Whether {@code password} is {@code user}'s. Never blocks the caller: completes at once when the answer is
     * cheap (a password verified before, a plain password), else on an authentication thread. Compares in constant
     * time.
     */
    CompletableFuture<Boolean> verify(String user, byte[] password) {
        Users u = users;
        Secret s = u.secrets().get(user);
        byte[] mac = mac(password);
        if (s == null) {
            return CompletableFuture.supplyAsync(() -> {
                u.standIn().matches(password); // the same cost as a known user's, so timing tells no names
                return false;
            }, threads);
        }
        if (s.hash() == null) {
            return CompletableFuture.completedFuture(MessageDigest.isEqual(mac, s.plainMac()));
        }
        if (remembered(user, s, mac)) {
            return CompletableFuture.completedFuture(true);
        }
        return CompletableFuture.supplyAsync(() -> {
            if (remembered(user, s, mac)) { // verified meanwhile by a check queued before this one
                return true;
            }
            boolean ok = s.hash().matches(password);
            if (ok) {
                verified.put(user, new Verified(s, mac));
            }
            return ok;
        }, threads);
    }

    private boolean remembered(String user, Secret s, byte[] mac) {
        Verified v = verified.get(user);
        return v != null && v.secret() == s && MessageDigest.isEqual(v.mac(), mac);
    }

    private byte[] mac(byte[] password) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(macKey, "HmacSHA256"));
            return m.doFinal(password);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private Users load(Map<String, String> entries, String source) {
        Map<String, Secret> secrets = new HashMap<>();
        TreeSet<String> plain = new TreeSet<>();
        int costliest = PasswordHash.MIN_ITERATIONS;
        for (var e : entries.entrySet()) {
            UserList.check(e.getKey(), e.getValue(), source);
            if (PasswordHash.looksHashed(e.getValue())) {
                PasswordHash h = PasswordHash.parse(e.getValue());
                costliest = Math.max(costliest, h.iterations());
                secrets.put(e.getKey(), new Secret(h, null));
            } else {
                plain.add(e.getKey());
                secrets.put(e.getKey(), new Secret(null, mac(e.getValue().getBytes(StandardCharsets.UTF_8))));
            }
        }
        if (!plain.isEmpty()) {
            LOG.warn("{}: memcached user(s) {} have plain passwords; store hashes instead "
                    + "(hearthctl memcached hash-password)", source, String.join(", ", plain));
        }
        Base64.Encoder b64 = Base64.getEncoder();
        PasswordHash standIn = PasswordHash.parse(PasswordHash.SCHEME + "$" + costliest + "$"
                + b64.encodeToString(new byte[16]) + "$" + b64.encodeToString(new byte[32]));
        // Verified passwords of users whose secret changed or who are gone no longer count.
        verified.keySet().retainAll(secrets.keySet());
        return new Users(Map.copyOf(secrets), standIn);
    }

    private void checkFile() {
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.error("memcached.usersFile {}: checking it for changes failed", file, e);
        }
    }

    /**
     * Re-reads the users file if its modification time or size changed. A file that cannot be read or parsed keeps
     * the users read before (logged once per change).
     *
     * @return false if the file could not be read or parsed
     */
    private synchronized boolean reload() {
        long stamp;
        long size;
        String text;
        try {
            stamp = Files.getLastModifiedTime(file).toMillis();
            size = Files.size(file);
            if (stamp == fileStamp && size == fileSize) {
                return true;
            }
            text = Files.readString(file);
        } catch (IOException e) {
            if (fileSize != -2) {
                LOG.error("memcached.usersFile {} cannot be read ({}); keeping the {} user(s) read before", file,
                        e.toString(), users == null ? 0 : users.secrets().size());
            }
            fileSize = -2;
            return false;
        }
        fileStamp = stamp;
        fileSize = size;
        try {
            Users loaded = load(UserList.parse(text), "memcached.usersFile " + file);
            boolean first = users == null;
            users = loaded;
            LOG.info("memcached.usersFile {}: {} {} user(s)", file, first ? "read" : "re-read",
                    loaded.secrets().size());
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("memcached.usersFile {} is not valid ({}); keeping the {} user(s) read before", file,
                    e.getMessage(), users == null ? 0 : users.secrets().size());
            return false;
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
