package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Encodes {@link TextReply}s to memcached's text/meta wire format. */
@ChannelHandler.Sharable
final class TextEncoder extends MessageToByteEncoder<TextReply> {
    static final TextEncoder INSTANCE = new TextEncoder();
    private static final byte[] CRLF = {'\r', '\n'};

    @Override
    protected void encode(ChannelHandlerContext ctx, TextReply msg, ByteBuf out) {
        if (msg instanceof TextReply.Line l) {
            out.writeCharSequence(l.text(), StandardCharsets.ISO_8859_1);
            out.writeBytes(CRLF);
        } else if (msg instanceof TextReply.Values v) {
            for (TextReply.Value value : v.values()) {
                out.writeCharSequence("VALUE ", StandardCharsets.US_ASCII);
                out.writeBytes(value.key());
                out.writeCharSequence(" " + Integer.toUnsignedString(value.flags()) + " " + value.data().length,
                        StandardCharsets.US_ASCII);
                if (value.cas() >= 0) {
                    out.writeCharSequence(" " + Long.toUnsignedString(value.cas()), StandardCharsets.US_ASCII);
                }
                out.writeBytes(CRLF);
                out.writeBytes(value.data());
                out.writeBytes(CRLF);
            }
            out.writeCharSequence("END\r\n", StandardCharsets.US_ASCII);
        } else if (msg instanceof TextReply.Meta m) {
            out.writeBytes(m.header());
            out.writeBytes(CRLF);
            if (m.value() != null) {
                out.writeBytes(m.value());
                out.writeBytes(CRLF);
            }
        } else if (msg instanceof TextReply.Raw r) {
            out.writeBytes(r.bytes());
        } else if (msg instanceof TextReply.Stats s) {
            for (Map.Entry<String, String> e : s.stats().entrySet()) {
                out.writeCharSequence("STAT " + e.getKey() + " " + e.getValue() + "\r\n", StandardCharsets.US_ASCII);
            }
            out.writeCharSequence("END\r\n", StandardCharsets.US_ASCII);
        }
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, TextReply msg, boolean preferDirect) {
        int size = 64;
        if (msg instanceof TextReply.Values v) {
            for (TextReply.Value value : v.values()) {
                size += value.data().length + value.key().length + 64;
            }
        } else if (msg instanceof TextReply.Meta m && m.value() != null) {
            size += m.header().length + m.value().length;
        } else if (msg instanceof TextReply.Raw r) {
            size += r.bytes().length;
        }
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }
}
