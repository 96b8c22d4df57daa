package dev.hearth.node.memcached;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A text-protocol command line split the way memcached's tokenize_command does: on spaces only, into at most
 * {@value #MAX_TOKENS} - 1 tokens, the last unsplit rest kept apart (only get lines read it). Also the key rules
 * and error answers the classic and the meta parser share.
 */
final class TextTokens {
    static final int MAX_TOKENS = 24;
    static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";

    private final byte[][] tokens = new byte[MAX_TOKENS][];
    /** memcached's ntokens: the real tokens plus the terminal one. */
    final int n;
    /** Where the unsplit rest of the line starts, -1 if none. */
    final int restStart;

    private TextTokens(byte[] line, int len) {
        int count = 0;
        int s = 0;
        int e = 0;
        for (; e < len; e++) {
            if (line[e] == ' ') {
                if (s != e) {
                    tokens[count++] = Arrays.copyOfRange(line, s, e);
                    if (count == MAX_TOKENS - 1) {
                        e++;
                        s = e;
                        break;
                    }
                }
                s = e + 1;
            }
        }
        if (s != e) {
            tokens[count++] = Arrays.copyOfRange(line, s, e);
        }
        restStart = e < len ? e : -1;
        n = count + 1;
    }

    /** The first {@code len} bytes of {@code line}, split. */
    static TextTokens of(byte[] line, int len) {
        return new TextTokens(line, len);
    }

    byte[] get(int i) {
        return tokens[i];
    }

    boolean is(int i, String s) {
        byte[] b = tokens[i];
        if (b == null || b.length != s.length()) {
            return false;
        }
        for (int k = 0; k < b.length; k++) {
            if (b[k] != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    String str(int i) {
        return new String(tokens[i], StandardCharsets.ISO_8859_1);
    }

    /** Whether the last real token is "noreply". */
    boolean noreply() {
        return n >= 2 && is(n - 2, "noreply");
    }

    /** An error line the decoder answers itself, whatever noreply says. */
    static TextRequest.Reply error(String msg) {
        return new TextRequest.Reply(msg, false);
    }

    /** Whether {@code key} is longer than memcached allows or has bytes Hearth refuses. */
    static boolean badKey(byte[] key) {
        return key.length > RequestDecoder.KEY_MAX_LENGTH || badKeyBytes(key);
    }

    /** Hearth refuses keys memcached's text protocol cannot round-trip safely: control characters and DEL. */
    static boolean badKeyBytes(byte[] key) {
        for (byte b : key) {
            if ((b & 0xff) < 0x20 || b == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
