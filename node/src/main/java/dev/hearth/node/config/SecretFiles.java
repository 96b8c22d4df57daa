package dev.hearth.node.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one rule for secrets written in config or read from a file (the admin token): a file's trailing newlines are
 * not part of the secret (editors and {@code echo} add one), and a token is at least {@value #MIN_TOKEN_LENGTH}
 * visible ASCII characters, so that it fits an HTTP {@code Authorization: Bearer} header unchanged and is not
 * guessable by trying.
 */
public final class SecretFiles {
    public static final int MIN_TOKEN_LENGTH = 16;
    /** A token file is a few dozen bytes: a larger one is a wrong path (a certificate, a log...), not a token. */
    private static final long MAX_FILE_BYTES = 4096;

    private SecretFiles() {
    }

    /**
     * @return {@code token}, unchanged
     * @throws IllegalArgumentException naming what is wrong (never repeating the token itself)
     */
    public static String checkToken(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("the token is empty");
        }
        for (int i = 0; i < token.length(); i++) {
            char ch = token.charAt(i);
            if (ch < 0x21 || ch > 0x7e) {
                throw new IllegalArgumentException("the token has a character that is not visible ASCII at position "
                        + (i + 1) + " (spaces, control characters and non-ASCII are not allowed)");
            }
        }
        if (token.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("the token has " + token.length() + " characters; at least "
                    + MIN_TOKEN_LENGTH + " are needed (e.g. openssl rand -hex 32)");
        }
        return token;
    }

    /**
     * Reads a token file: its content without trailing {@code \n} / {@code \r\n}, checked by {@link #checkToken}.
     *
     * @throws IOException the file cannot be read (the message names the file)
     * @throws IllegalArgumentException the content is not a valid token (the message names the file)
     */
    public static String readToken(Path file) throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException("token file " + file + " is larger than " + MAX_FILE_BYTES
                        + " bytes: not a token");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("cannot read token file " + file + ": " + e, e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        try {
            return checkToken(text.substring(0, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("token file " + file + ": " + e.getMessage(), e);
        }
    }
}
