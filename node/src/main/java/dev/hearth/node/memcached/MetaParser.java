package dev.hearth.node.memcached;

import static dev.hearth.node.memcached.TextTokens.BAD_FORMAT;
import static dev.hearth.node.memcached.TextTokens.badKeyBytes;
import static dev.hearth.node.memcached.TextTokens.error;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Parses memcached's meta commands (mg, ms, md, ma, me) as memcached 1.6's proto_text.c does, flags included: the
 * same check order and error strings, and an ms value swallowed after an error.
 */
final class MetaParser {
    private static final int MFLAG_MAX_OPT_LENGTH = 20;
    private static final int MFLAG_MAX_OPAQUE_LENGTH = 32;

    private final int maxItemSize;
    private final TextFraming framing;

    MetaParser(int maxItemSize, TextFraming framing) {
        this.maxItemSize = maxItemSize;
        this.framing = framing;
    }

    /** Parses me (meta debug). */
    TextRequest debug(TextTokens tk) {
        if (tk.n < 3 || tk.get(1).length > RequestDecoder.KEY_MAX_LENGTH) {
            return error(BAD_FORMAT);
        }
        byte[] key = tk.get(1);
        boolean b = tk.n >= 4 && tk.get(2).length == 1 && tk.get(2)[0] == 'b';
        if (b) {
            key = base64(key);
            if (key == null) {
                return error(BAD_FORMAT);
            }
        } else if (badKeyBytes(key)) {
            return error(BAD_FORMAT);
        }
        return new TextRequest.MetaDebug(key, b);
    }

    private static byte[] base64(byte[] token) {
        try {
            byte[] d = Base64.getDecoder().decode(token);
            return d.length == 0 ? null : d;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Parses mg/ms/md/ma ({@code c} is g, s, d or a) the way process_m*_command do, including their check order and
     * error strings.
     *
     * @return the request, or null when an ms waits for its data block (asked of the framing)
     */
    TextRequest parse(char c, TextTokens tk) {
        int n = tk.n;
        if (n < 3) {
            return error("ERROR");
        }
        byte[] keyToken = tk.get(1);
        if (keyToken.length > RequestDecoder.KEY_MAX_LENGTH) {
            return error(BAD_FORMAT);
        }
        int vlen = 0;
        int flagStart = 2;
        if (c == 's') {
            if (n == 3) {
                return error(BAD_FORMAT);
            }
            if (n > MFLAG_MAX_OPT_LENGTH) {
                return error("CLIENT_ERROR options flags too long");
            }
            try {
                vlen = Numbers.strtol(tk.get(2));
            } catch (NumberFormatException e) {
                return error(BAD_FORMAT);
            }
            if (vlen < 0 || vlen > Integer.MAX_VALUE - 2) {
                return error(BAD_FORMAT);
            }
            flagStart = 3;
        } else if (n > MFLAG_MAX_OPT_LENGTH) {
            return error(c == 'g' ? "CLIENT_ERROR options flags are too long" : "CLIENT_ERROR options flags too long");
        }
        Preparse p = new Preparse(tk, flagStart, keyToken);
        String err = p.err;
        boolean hasError = p.hasError;
        byte[] key = p.key;
        char mode = p.mode;
        if (!p.base64 && !hasError && badKeyBytes(key)) {
            hasError = true;
            err = BAD_FORMAT;
        }
        if (!hasError) {
            for (byte[] t : p.tokens) {
                if (t[0] == 'O' && t.length > MFLAG_MAX_OPAQUE_LENGTH) {
                    hasError = true;
                    err = "CLIENT_ERROR opaque token too long";
                }
            }
        }
        if (!hasError && c == 's' && mode != 0 && "EAPRS".indexOf(mode) < 0) {
            hasError = true;
            err = "CLIENT_ERROR invalid mode for ms M token";
        }
        if (!hasError && c == 'a' && mode != 0 && "I+D-".indexOf(mode) < 0) {
            hasError = true;
            err = "CLIENT_ERROR invalid mode for ma M token";
        }
        if (hasError) {
            if (c == 'd' || c == 'a') {
                if (err == null || !(err.startsWith("CLIENT_ERROR invalid mode")
                        || err.startsWith("CLIENT_ERROR opaque") || err.equals(BAD_FORMAT) && !p.base64)) {
                    err = "CLIENT_ERROR invalid or duplicate flag";
                }
            }
            if (c == 's') {
                framing.swallow(vlen + 2L);
            }
            return error(err == null ? BAD_FORMAT : err);
        }
        MetaFlags flags = p.flags();
        if (c == 's') {
            if (vlen > maxItemSize) {
                framing.swallow(vlen + 2L);
                return new TextRequest.TooLarge(key, false, true, true);
            }
            byte[] k = key;
            framing.expectData(new TextFraming.DataBlock(vlen, data -> new TextRequest.Meta('s', k, flags, data),
                    error("CLIENT_ERROR bad data chunk")));
            return null;
        }
        return new TextRequest.Meta(c, key, flags, null);
    }

    /**
     * memcached's {@code _meta_flag_preparse}: the flag tokens read into values, in order, up to the first token it
     * stops at (a duplicate or an unknown flag). A bad value is an error but reading goes on, as there.
     */
    private static final class Preparse {
        String err;
        boolean hasError;
        final boolean[] seen = new boolean[127];
        final List<byte[]> tokens = new ArrayList<>();
        boolean base64;
        boolean noReply;
        boolean value;
        boolean noUpdate;
        boolean vivify;
        int vivifyTtl;
        boolean touch;
        int ttl;
        boolean recache;
        int recacheTtl;
        boolean invalidate;
        boolean hasCas;
        long cas;
        boolean hasNewCas;
        long newCas;
        int clientFlags;
        char mode;
        long delta = 1;
        long initial;
        byte[] key;

        Preparse(TextTokens tk, int from, byte[] keyToken) {
            key = keyToken;
            for (int i = from; i < tk.n - 1; i++) {
                if (!read(tk.get(i), keyToken)) {
                    return;
                }
            }
        }

        /** Reads one flag token; false where memcached stops reading. */
        private boolean read(byte[] t, byte[] keyToken) {
            int o = t[0] & 0xff;
            if (o >= 127 || seen[o]) {
                err = "CLIENT_ERROR duplicate flag";
                hasError = true;
                return false;
            }
            seen[o] = true;
            tokens.add(t);
            byte[] arg = Arrays.copyOfRange(t, 1, t.length);
            switch (o) {
                case 'b':
                    key = base64(keyToken);
                    if (key == null) {
                        err = "CLIENT_ERROR error decoding key";
                        hasError = true;
                        key = keyToken;
                    }
                    base64 = true;
                    break;
                case 'N':
                    vivify = true;
                    try {
                        vivifyTtl = Numbers.strtol(arg);
                    } catch (NumberFormatException e) {
                        err = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    }
                    break;
                case 'T':
                    try {
                        ttl = Numbers.strtol(arg);
                        touch = true;
                    } catch (NumberFormatException e) {
                        err = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    }
                    break;
                case 'R':
                    try {
                        recacheTtl = Numbers.strtol(arg);
                        recache = true;
                    } catch (NumberFormatException e) {
                        err = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    }
                    break;
                case 'l', 'O', 'P', 'L', 'k', 's', 't', 'c', 'f', 'h':
                    break;
                case 'v':
                    value = true;
                    break;
                case 'u':
                    noUpdate = true;
                    break;
                case 'q':
                    noReply = true;
                    break;
                case 'F':
                    try {
                        clientFlags = Numbers.strtoul(arg);
                    } catch (NumberFormatException e) {
                        hasError = true;
                    }
                    break;
                case 'C':
                    try {
                        cas = Numbers.strtoull(arg);
                        hasCas = true;
                    } catch (NumberFormatException e) {
                        err = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    }
                    break;
                case 'E': // Hearth (and memcached >= 1.6.21): the CAS value the write gives the item
                    try {
                        newCas = Numbers.strtoull(arg);
                        hasNewCas = newCas != 0;
                    } catch (NumberFormatException e) {
                        err = "CLIENT_ERROR bad token in command line format";
                        hasError = true;
                    }
                    break;
                case 'M':
                    if (t.length != 2) {
                        err = "CLIENT_ERROR incorrect length for M token";
                        hasError = true;
                    } else {
                        mode = (char) t[1];
                    }
                    break;
                case 'J':
                    try {
                        initial = Numbers.strtoull(arg);
                    } catch (NumberFormatException e) {
                        err = "CLIENT_ERROR invalid numeric initial value";
                        hasError = true;
                    }
                    break;
                case 'D':
                    try {
                        delta = Numbers.strtoull(arg);
                    } catch (NumberFormatException e) {
                        err = "CLIENT_ERROR invalid numeric delta value";
                        hasError = true;
                    }
                    break;
                case 'I':
                    invalidate = true;
                    break;
                default:
                    err = "CLIENT_ERROR invalid flag";
                    hasError = true;
                    return false; // memcached stops reading here
            }
            return true;
        }

        MetaFlags flags() {
            return new MetaFlags(List.copyOf(tokens), base64, noReply, value, noUpdate, vivify, vivifyTtl, touch, ttl,
                    recache, recacheTtl, invalidate, hasCas, cas, hasNewCas, newCas, clientFlags, mode, delta,
                    initial);
        }
    }
}
