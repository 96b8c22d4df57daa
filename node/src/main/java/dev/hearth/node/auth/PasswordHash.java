package dev.hearth.node.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Salted password hashes in one string: {@code pbkdf2-sha256$<iterations>$<salt>$<hash>}, PBKDF2-HMAC-SHA256
 * (RFC 8018) over the password's UTF-8 bytes, salt and hash in standard Base64 (RFC 4648, padding optional). The
 * node verifies memcached SASL passwords with it and {@code hearthctl memcached hash-password} produces them, so the
 * format lives here only. JDK classes only: hearthctl carries this jar without the node's dependencies.
 */
public final class PasswordHash {
    public static final String SCHEME = "pbkdf2-sha256";
    /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
    public static final int DEFAULT_ITERATIONS = 600_000;
    public static final int MIN_ITERATIONS = 1_000;
    /** Above this one verification takes many seconds: more likely a typo than a choice, and a CPU-burning one. */
    public static final int MAX_ITERATIONS = 10_000_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** True if {@code value} claims to be a hash in this format (it may still be malformed: see {@link #parse}). */
    public static boolean looksHashed(String value) {
        return value != null && value.startsWith(SCHEME + "$");
    }

    /**
     * @return the parsed hash
     * @throws IllegalArgumentException naming what is wrong, never quoting the value (it is a secret)
     */
    public static PasswordHash parse(String encoded) {
        if (!looksHashed(encoded)) {
            throw new IllegalArgumentException("not a " + SCHEME + " hash (expected " + SCHEME
                    + "$<iterations>$<base64 salt>$<base64 hash>)");
        }
        String[] parts = encoded.split("\\$", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(SCHEME + " hash must have 4 '$'-separated parts, has " + parts.length);
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SCHEME + " hash: iterations is not a whole number");
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException(SCHEME + " hash: iterations " + iterations + " out of range ("
                    + MIN_ITERATIONS + "-" + MAX_ITERATIONS + ")");
        }
        byte[] salt = base64(parts[2], "salt");
        byte[] hash = base64(parts[3], "hash");
        if (salt.length < 8) {
            throw new IllegalArgumentException(SCHEME + " hash: salt must be at least 8 bytes, is " + salt.length);
        }
        if (hash.length < 16) {
            throw new IllegalArgumentException(SCHEME + " hash: hash must be at least 16 bytes, is " + hash.length);
        }
        return new PasswordHash(iterations, salt, hash);
    }

    private static byte[] base64(String s, String what) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SCHEME + " hash: " + what + " is not Base64");
        }
    }

    /** A new hash of {@code password} with a random salt. */
    public static String hash(String password, int iterations) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be " + MIN_ITERATIONS + "-" + MAX_ITERATIONS);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] dk = pbkdf2(password.getBytes(StandardCharsets.UTF_8), salt, iterations, HASH_BYTES);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(dk);
    }

    public int iterations() {
        return iterations;
    }

    /**
     * Whether {@code password} (its UTF-8 bytes) is the one hashed. Takes the full PBKDF2 cost (about
     * {@link #iterations()} HMACs, ~0.3 s at the default on one core) whatever the answer, and compares in constant
     * time. Never call it on an event loop.
     */
    public boolean matches(byte[] password) {
        return MessageDigest.isEqual(hash, pbkdf2(password, salt, iterations, hash.length));
    }

    /** PBKDF2 (RFC 8018 section 5.2) with HMAC-SHA256 over raw bytes, so no charset conversion can differ. */
    static byte[] pbkdf2(byte[] password, byte[] salt, int iterations, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // An empty password is a valid PBKDF2 input, but not a valid HMAC key spec: the HMAC of an empty key is
            // the HMAC of one block of zeros, which a one-zero-byte key gives too.
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA256"));
            int hLen = mac.getMacLength();
            int blocks = (length + hLen - 1) / hLen;
            byte[] out = new byte[length];
            byte[] u = new byte[hLen];
            byte[] t = new byte[hLen];
            for (int i = 1; i <= blocks; i++) {
                mac.update(salt);
                mac.update(new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
                mac.doFinal(u, 0);
                System.arraycopy(u, 0, t, 0, hLen);
                for (int n = 1; n < iterations; n++) {
                    mac.update(u);
                    mac.doFinal(u, 0);
                    for (int j = 0; j < hLen; j++) {
                        t[j] ^= u[j];
                    }
                }
                System.arraycopy(t, 0, out, (i - 1) * hLen, Math.min(hLen, length - (i - 1) * hLen));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
