package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Frames memcached's text protocol into {@link TextRequest}s: command lines, the data blocks that follow storage
 * commands, and the bytes of refused ones. Each line goes to the {@link MetaParser} (mg, ms, md, ma, mn, me) or the
 * {@link ClassicParser}, which follow memcached 1.6's proto_text.c so that bad input gets the same answer; a value
 * that follows a refused command is swallowed after "too large" and meta errors and parsed as a command otherwise,
 * as there.
 *
 * <p>Memory per connection is bounded: a command line may be at most {@value #MAX_LINE} bytes (a longer one closes
 * the connection, as memcached does) except get/gets lines, bounded by {@code maxGetLine}; a value is read only
 * after its size was checked against the item size limit, and swallowed bytes are counted, not kept.
 */
final class TextDecoder extends RequestDecoder implements TextFraming {
    static final int MAX_LINE = 2048;

    private final int maxGetLine;
    private final ClassicParser classic;
    private final MetaParser meta;
    /** The storage command whose data block comes next, null while a command line does. */
    private DataBlock pending;

    TextDecoder(int maxItemSize) {
        this(maxItemSize, IncompleteRequests.unbounded());
    }

    /** @param incomplete this connection's bounds on an incomplete request */
    TextDecoder(int maxItemSize, IncompleteRequests incomplete) {
        super(incomplete);
        this.maxGetLine = Math.max(64 * 1024, maxItemSize);
        this.classic = new ClassicParser(maxItemSize, this);
        this.meta = new MetaParser(maxItemSize, this);
    }

    @Override
    public void expectData(DataBlock block) {
        pending = block;
    }

    @Override
    boolean decodeStep(ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return false;
        }
        if (pending != null) {
            int need = pending.length() + 2;
            if (in.readableBytes() < need) {
                return false;
            }
            byte[] data = new byte[pending.length()];
            in.readBytes(data);
            byte cr = in.readByte();
            byte lf = in.readByte();
            DataBlock p = pending;
            pending = null;
            out.add(cr != '\r' || lf != '\n' ? p.badChunk() : p.complete().apply(data));
            return true;
        }
        int start = in.readerIndex();
        int eol = in.indexOf(start, in.writerIndex(), (byte) '\n');
        if (eol < 0) {
            if (in.readableBytes() > MAX_LINE && !(isLargeGet(in) && in.readableBytes() <= maxGetLine)) {
                out.add(new TextRequest.Close("command line too long"));
                closeInput(in);
            }
            return false;
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
                closeInput(in);
            }
        }
        return true;
    }

    /** One command line: a meta command (two letters starting with m) or a classic one. */
    TextRequest parse(byte[] line, int len) {
        TextTokens tk = TextTokens.of(line, len);
        if (tk.n < 2 || tk.get(0).length < 2) {
            return TextTokens.error("ERROR");
        }
        byte[] cmd = tk.get(0);
        if (cmd[0] != 'm' || cmd.length != 2) {
            return classic.parse(line, len, tk);
        }
        return switch (cmd[1]) {
            case 'g', 's', 'd', 'a' -> meta.parse((char) cmd[1], tk);
            case 'n' -> new TextRequest.MetaNoop();
            case 'e' -> meta.debug(tk);
            default -> TextTokens.error("ERROR");
        };
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
}
