package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Decodes memcached's text and meta protocols into {@link TextRequest}s, following memcached 1.6's parser
 * (proto_text.c) so that bad input gets the same answer: the same tokenizer (spaces only, at most 24 tokens), the
 * same checks in the same order, the same error strings, and the same handling of a value that follows a refused
 * command (swallowed after "too large" and meta errors, parsed as a command otherwise).
 *
 * <p>Memory per connection is bounded: a command line may be at most {@value #MAX_LINE} bytes (a longer one closes
 * the connection, as memcached does) except get/gets lines, bounded by {@code maxGetLine}; a value is read only
 * after its size was checked against the item size limit, and swallowed bytes are counted, not kept.
 */
final class TextDecoder extends ByteToMessageDecoder {
    static final int MAX_LINE = 2048;
    static final int KEY_MAX_LENGTH = 250;
    private static final int MAX_TOKENS = 24;
    private static final int MFLAG_MAX_OPT_LENGTH = 20;
    private static final int MFLAG_MAX_OPAQUE_LENGTH = 32;
    private static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";

    private enum State {
        LINE, DATA, SWALLOW, CLOSED
    }

    private final int maxItemSize;
    private final IncompleteRequests incomplete;
    private boolean progressed;
    private final int maxGetLine;
    private State state = State.LINE;
    private long toSwallow;
    private PendingData pending;

    /** A storage command waiting for its data block. */
    private interface PendingData {
        int length();

        TextRequest complete(byte[] data);

        /** The answer when the data block does not end with CRLF. */
        TextRequest badChunk();
    }

    TextDecoder(int maxItemSize) {
        this(maxItemSize, IncompleteRequests.unbounded());
    }

    /** @param incomplete this connection's bounds on an incomplete request */
    TextDecoder(int maxItemSize, IncompleteRequests incomplete) {
        this.incomplete = incomplete;
        this.maxItemSize = maxItemSize;
        this.maxGetLine = Math.max(64 * 1024, maxItemSize);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int before = out.size();
        decodeRequests(in, out);
        progressed |= out.size() > before;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        incomplete.afterRead(ctx, actualReadableBytes(), internalBuffer().capacity(), progressed);
        progressed = false;
        super.channelReadComplete(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        incomplete.cancel();
    }

    private void decodeRequests(ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case CLOSED:
                    in.skipBytes(in.readableBytes());
                    return;
                case SWALLOW: {
                    int n = (int) Math.min(in.readableBytes(), toSwallow);
                    in.skipBytes(n);
                    toSwallow -= n;
                    if (toSwallow > 0) {
                        return;
                    }
                    state = State.LINE;
                    break;
                }
                case DATA: {
                    int need = pending.length() + 2;
                    if (in.readableBytes() < need) {
                        return;
                    }
                    byte[] data = new byte[pending.length()];
                    in.readBytes(data);
                    byte cr = in.readByte();
                    byte lf = in.readByte();
                    state = State.LINE;
                    PendingData p = pending;
                    pending = null;
                    if (cr != '\r' || lf != '\n') {
                        out.add(p.badChunk());
                    } else {
                        out.add(p.complete(data));
                    }
                    break;
                }
                default: {
                    int start = in.readerIndex();
                    int eol = in.indexOf(start, in.writerIndex(), (byte) '\n');
                    if (eol < 0) {
                        if (in.readableBytes() > MAX_LINE && !(isLargeGet(in) && in.readableBytes() <= maxGetLine)) {
                            state = State.CLOSED;
                            in.skipBytes(in.readableBytes());
                            out.add(new TextRequest.Close("command line too long"));
                        }
                        return;
                    }
                    int len = eol - start;
                    byte[] line = new byte[len];
                    in.readBytes(line);
                    in.skipBytes(1);
                    if (len > 1 && line[len - 1] == '\r') {
                        len--;
                    }
                    for (int i = 0; i < len; i++) {
                        if (line[i] == 0) { // memcached's C string ends here
                            len = i;
                            break;
                        }
                    }
                    TextRequest r = parse(line, len);
                    if (r != null) {
                        out.add(r);
                        if (r instanceof TextRequest.Close) {
                            state = State.CLOSED;
                            in.skipBytes(in.readableBytes());
                            return;
                        }
                    }
                }
            }
        }
    }

    private static boolean isLargeGet(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end && in.getByte(i) == ' ') {
            i++;
        }
        if (i - in.readerIndex() > 100) {
            return false;
        }
        return startsWith(in, i, "get ") || startsWith(in, i, "gets ");
    }

    private static boolean startsWith(ByteBuf in, int at, String s) {
        if (in.writerIndex() - at < s.length()) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            if (in.getByte(at + k) != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** memcached's tokenize_command: up to MAX_TOKENS-1 tokens, the last holding the rest of the line, if any. */
    private static final class Tokens {
        final byte[][] t = new byte[MAX_TOKENS][];
        int n; // memcached's ntokens: real tokens + the terminal one
        int restStart = -1; // where the unprocessed rest starts (terminal token's value), -1 if none

        byte[] get(int i) {
            return t[i];
        }

        boolean is(int i, String s) {
            byte[] b = t[i];
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
            return new String(t[i], StandardCharsets.ISO_8859_1);
        }
    }

    private static Tokens tokenize(byte[] line, int from, int len) {
        Tokens tk = new Tokens();
        int count = 0;
        int s = from;
        int e = from;
        for (; e < len; e++) {
            if (line[e] == ' ') {
                if (s != e) {
                    tk.t[count++] = Arrays.copyOfRange(line, s, e);
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
            tk.t[count++] = Arrays.copyOfRange(line, s, e);
        }
        tk.restStart = e < len ? e : -1;
        tk.n = count + 1;
        return tk;
    }

    private static boolean noreply(Tokens tk) {
        return tk.n >= 2 && tk.is(tk.n - 2, "noreply");
    }

    private static TextRequest.Reply error(String msg) {
        return new TextRequest.Reply(msg, false);
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

    TextRequest parse(byte[] line, int len) {
        Tokens tk = tokenize(line, 0, len);
        int n = tk.n;
        if (n < 2 || tk.get(0).length < 2) {
            return error("ERROR");
        }
        byte[] cmd = tk.get(0);
        byte first = cmd[0];
        if (first == 'm' && cmd.length == 2) {
            switch (cmd[1]) {
                case 'g':
                    return meta('g', tk, false);
                case 's':
                    return meta('s', tk, false);
                case 'd':
                    return meta('d', tk, false);
                case 'a':
                    return meta('a', tk, false);
                case 'n':
                    return new TextRequest.MetaNoop();
                case 'e':
                    return metaDebug(tk);
                default:
                    return error("ERROR");
            }
        }
        if (first == 'g') {
            if (n < 3) {
                return error("ERROR");
            }
            boolean get = tk.is(0, "get");
            boolean gets = tk.is(0, "gets");
            boolean gat = tk.is(0, "gat");
            boolean gats = tk.is(0, "gats");
            if (!get && !gets && !gat && !gats) {
                return error("ERROR");
            }
            return parseGet(line, len, tk, gets || gats, gat || gats);
        }
        if (tk.is(0, "set")) {
            return storage(tk, TextRequest.StoreCommand.SET, 6, 7);
        }
        if (tk.is(0, "add")) {
            return storage(tk, TextRequest.StoreCommand.ADD, 6, 7);
        }
        if (tk.is(0, "append")) {
            return storage(tk, TextRequest.StoreCommand.APPEND, 6, 7);
        }
        if (tk.is(0, "replace")) {
            return storage(tk, TextRequest.StoreCommand.REPLACE, 6, 7);
        }
        if (tk.is(0, "prepend")) {
            return storage(tk, TextRequest.StoreCommand.PREPEND, 6, 7);
        }
        if (tk.is(0, "cas")) {
            return storage(tk, TextRequest.StoreCommand.CAS, 7, 8);
        }
        if (tk.is(0, "stats")) {
            if (n == 2) {
                return new TextRequest.Stats("", "");
            }
            return new TextRequest.Stats(tk.str(1), n >= 4 ? tk.str(2) : "");
        }
        if (tk.is(0, "incr") || tk.is(0, "decr")) {
            if (n != 4 && n != 5) {
                return error("ERROR");
            }
            boolean nr = noreply(tk);
            if (tk.get(1).length > KEY_MAX_LENGTH || badKeyBytes(tk.get(1))) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
            long delta;
            try {
                delta = Numbers.strtoull(tk.get(2));
            } catch (NumberFormatException e) {
                return new TextRequest.Reply("CLIENT_ERROR invalid numeric delta argument", nr);
            }
            return new TextRequest.Arith(tk.get(1), tk.is(0, "incr"), delta, nr);
        }
        if (tk.is(0, "delete")) {
            if (n < 3 || n > 5) {
                return error("ERROR");
            }
            boolean nr = false;
            if (n > 3) {
                boolean holdIsZero = tk.is(2, "0");
                nr = noreply(tk);
                boolean valid = (n == 4 && (holdIsZero || nr)) || (n == 5 && holdIsZero && nr);
                if (!valid) {
                    return new TextRequest.Reply("CLIENT_ERROR bad command line format.  "
                            + "Usage: delete <key> [noreply]", nr);
                }
            }
            if (tk.get(1).length > KEY_MAX_LENGTH || badKeyBytes(tk.get(1))) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
            return new TextRequest.Delete(tk.get(1), nr);
        }
        if (tk.is(0, "touch")) {
            if (n != 4 && n != 5) {
                return error("ERROR");
            }
            boolean nr = noreply(tk);
            if (tk.get(1).length > KEY_MAX_LENGTH || badKeyBytes(tk.get(1))) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
            int exptime;
            try {
                exptime = Numbers.strtol(tk.get(2));
            } catch (NumberFormatException e) {
                return new TextRequest.Reply("CLIENT_ERROR invalid exptime argument", nr);
            }
            return new TextRequest.Touch(tk.get(1), exptime, nr);
        }
        if (tk.is(0, "flush_all")) {
            if (n < 2 || n > 4) {
                return error("ERROR");
            }
            boolean nr = noreply(tk);
            int delay = 0;
            if (n != (nr ? 3 : 2)) {
                try {
                    delay = Numbers.strtol(tk.get(1));
                } catch (NumberFormatException e) {
                    return new TextRequest.Reply("CLIENT_ERROR invalid exptime argument", nr);
                }
            }
            return new TextRequest.FlushAll(delay, nr);
        }
        if (tk.is(0, "version")) {
            return new TextRequest.Version();
        }
        if (tk.is(0, "quit")) {
            return new TextRequest.Quit();
        }
        if (tk.is(0, "verbosity")) {
            if (n != 3 && n != 4) {
                return error("ERROR");
            }
            boolean nr = noreply(tk);
            try {
                Numbers.strtoul(tk.get(1));
            } catch (NumberFormatException e) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
            return new TextRequest.Verbosity(nr);
        }
        if (tk.is(0, "shutdown")) {
            return error("ERROR: shutdown not enabled");
        }
        byte[] last = tk.get(n - 2);
        if (last.length >= 5 && last[0] == 'H' && last[1] == 'T' && last[2] == 'T' && last[3] == 'P'
                && last[4] == '/') {
            return new TextRequest.Close("HTTP request");
        }
        return error("ERROR");
    }

    private TextRequest parseGet(byte[] line, int len, Tokens tk, boolean withCas, boolean touch) {
        int exptime = 0;
        int keyIndex = 1;
        if (touch) {
            try {
                exptime = Numbers.strtol(tk.get(1));
            } catch (NumberFormatException e) {
                return error("CLIENT_ERROR invalid exptime argument");
            }
            keyIndex = 2;
        }
        List<byte[]> keys = new ArrayList<>();
        for (int i = keyIndex; i < tk.n - 1; i++) {
            keys.add(tk.get(i));
        }
        if (tk.restStart >= 0) {
            int s = tk.restStart;
            for (int e = tk.restStart; e <= len; e++) {
                if (e == len || line[e] == ' ') {
                    if (e > s) {
                        keys.add(Arrays.copyOfRange(line, s, e));
                    }
                    s = e + 1;
                }
            }
        }
        if (keys.isEmpty()) {
            // "gat 10" with no key: memcached answers END
            return new TextRequest.Get(keys, withCas, touch, exptime);
        }
        for (byte[] k : keys) {
            if (k.length > KEY_MAX_LENGTH || badKeyBytes(k)) {
                return error(BAD_FORMAT);
            }
        }
        return new TextRequest.Get(keys, withCas, touch, exptime);
    }

    private TextRequest storage(Tokens tk, TextRequest.StoreCommand command, int n1, int n2) {
        int n = tk.n;
        if (n != n1 && n != n2) {
            return error("ERROR");
        }
        boolean nr = noreply(tk);
        byte[] key = tk.get(1);
        if (key.length > KEY_MAX_LENGTH || badKeyBytes(key)) {
            return new TextRequest.Reply(BAD_FORMAT, nr);
        }
        int flags;
        int exptime;
        int vlen;
        long cas = 0;
        try {
            flags = Numbers.strtoul(tk.get(2));
            exptime = Numbers.strtol(tk.get(3));
            vlen = Numbers.strtol(tk.get(4));
        } catch (NumberFormatException e) {
            return new TextRequest.Reply(BAD_FORMAT, nr);
        }
        if (command == TextRequest.StoreCommand.CAS) {
            try {
                cas = Numbers.strtoull(tk.get(5));
            } catch (NumberFormatException e) {
                return new TextRequest.Reply(BAD_FORMAT, nr);
            }
        }
        if (vlen < 0 || vlen > Integer.MAX_VALUE - 2) {
            return new TextRequest.Reply(BAD_FORMAT, nr);
        }
        if (vlen > maxItemSize) {
            swallow(vlen + 2L);
            return new TextRequest.TooLarge(key, nr, command == TextRequest.StoreCommand.SET, false);
        }
        final int f = flags;
        final int x = exptime;
        final long c = cas;
        expectData(new PendingData() {
            @Override
            public int length() {
                return vlen;
            }

            @Override
            public TextRequest complete(byte[] data) {
                return new TextRequest.Store(command, key, f, x, c, data, nr);
            }

            @Override
            public TextRequest badChunk() {
                return new TextRequest.BadDataChunk(key, nr);
            }
        });
        return null;
    }

    private void swallow(long n) {
        toSwallow = n;
        state = State.SWALLOW;
    }

    private void expectData(PendingData p) {
        pending = p;
        state = State.DATA;
    }

    private TextRequest metaDebug(Tokens tk) {
        if (tk.n < 3 || tk.get(1).length > KEY_MAX_LENGTH) {
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

    /** Parses mg/ms/md/ma the way process_m*_command do, including their check order and error strings. */
    private TextRequest meta(char c, Tokens tk, boolean unused) {
        int n = tk.n;
        if (n < 3) {
            return error("ERROR");
        }
        byte[] keyToken = tk.get(1);
        if (keyToken.length > KEY_MAX_LENGTH) {
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
        // _meta_flag_preparse
        String err = null;
        boolean hasError = false;
        boolean[] seen = new boolean[127];
        List<byte[]> tokens = new ArrayList<>();
        boolean base64 = false;
        boolean noReply = false;
        boolean value = false;
        boolean noUpdate = false;
        boolean vivify = false;
        int vivifyTtl = 0;
        boolean touch = false;
        int ttl = 0;
        boolean recache = false;
        int recacheTtl = 0;
        boolean invalidate = false;
        boolean hasCas = false;
        long cas = 0;
        boolean hasNewCas = false;
        long newCas = 0;
        int clientFlags = 0;
        char mode = 0;
        long delta = 1;
        long initial = 0;
        byte[] key = keyToken;
        String defaultErr = BAD_FORMAT;
        for (int i = flagStart; i < n - 1; i++) {
            byte[] t = tk.get(i);
            int o = t[0] & 0xff;
            if (o >= 127 || seen[o]) {
                err = "CLIENT_ERROR duplicate flag";
                hasError = true;
                break;
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
                    i = n; // memcached returns at once
                    break;
            }
        }
        if (!base64 && !hasError && badKeyBytes(key)) {
            hasError = true;
            err = BAD_FORMAT;
        }
        if (!hasError) {
            for (byte[] t : tokens) {
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
                        || err.startsWith("CLIENT_ERROR opaque") || err.equals(BAD_FORMAT) && !base64)) {
                    err = "CLIENT_ERROR invalid or duplicate flag";
                }
            }
            if (c == 's') {
                swallow(vlen + 2L);
            }
            return error(err == null ? defaultErr : err);
        }
        MetaFlags flags = new MetaFlags(List.copyOf(tokens), base64, noReply, value, noUpdate, vivify, vivifyTtl,
                touch, ttl, recache, recacheTtl, invalidate, hasCas, cas, hasNewCas, newCas, clientFlags, mode,
                delta, initial);
        if (c == 's') {
            if (vlen > maxItemSize) {
                swallow(vlen + 2L);
                return new TextRequest.TooLarge(key, false, true, true);
            }
            final byte[] k = key;
            final int len = vlen;
            expectData(new PendingData() {
                @Override
                public int length() {
                    return len;
                }

                @Override
                public TextRequest complete(byte[] data) {
                    return new TextRequest.Meta('s', k, flags, data);
                }

                @Override
                public TextRequest badChunk() {
                    return error("CLIENT_ERROR bad data chunk");
                }
            });
            return null;
        }
        return new TextRequest.Meta(c, key, flags, null);
    }
}
