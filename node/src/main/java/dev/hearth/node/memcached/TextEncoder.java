package dev.hearth.node.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Encodes {@link TextReply}s to memcached's text/meta wire format. A get's answer becomes one buffer per value (and
 * one for END), each sized for what it holds, so that no answer needs one buffer as large as all its values.
 */
@ChannelHandler.Sharable
final class TextEncoder extends MessageToMessageEncoder<TextReply> {
    static final TextEncoder INSTANCE = new TextEncoder();
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END = "END\r\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void encode(ChannelHandlerContext ctx, TextReply msg, List<Object> out) {
        if (msg instanceof TextReply.Line l) {
            ByteBuf b = ctx.alloc().ioBuffer(l.text().length() + 2);
            b.writeCharSequence(l.text(), StandardCharsets.ISO_8859_1);
            b.writeBytes(CRLF);
            out.add(b);
        } else if (msg instanceof TextReply.Values v) {
            for (TextReply.Value value : v.values()) {
                ByteBuf b = ctx.alloc().ioBuffer(value.data().length + value.key().length
                        + TextReply.VALUE_OVERHEAD);
                b.writeCharSequence("VALUE ", StandardCharsets.US_ASCII);
                b.writeBytes(value.key());
                b.writeCharSequence(" " + Integer.toUnsignedString(value.flags()) + " " + value.data().length,
                        StandardCharsets.US_ASCII);
                if (value.cas() >= 0) {
                    b.writeCharSequence(" " + Long.toUnsignedString(value.cas()), StandardCharsets.US_ASCII);
                }
                b.writeBytes(CRLF);
                b.writeBytes(value.data());
                b.writeBytes(CRLF);
                out.add(b);
            }
            if (v.end()) {
                out.add(ctx.alloc().ioBuffer(END.length).writeBytes(END));
            }
        } else if (msg instanceof TextReply.Meta m) {
            ByteBuf b = ctx.alloc().ioBuffer(m.header().length + (m.value() == null ? 0 : m.value().length) + 4);
            b.writeBytes(m.header());
            b.writeBytes(CRLF);
            if (m.value() != null) {
                b.writeBytes(m.value());
                b.writeBytes(CRLF);
            }
            out.add(b);
        } else if (msg instanceof TextReply.Raw r) {
            out.add(ctx.alloc().ioBuffer(r.data().length).writeBytes(r.data()));
        } else if (msg instanceof TextReply.Stats s) {
            ByteBuf b = ctx.alloc().ioBuffer((int) Math.min(Integer.MAX_VALUE, s.bytes()));
            for (Map.Entry<String, String> e : s.stats().entrySet()) {
                b.writeCharSequence("STAT " + e.getKey() + " " + e.getValue() + "\r\n", StandardCharsets.US_ASCII);
            }
            b.writeCharSequence("END\r\n", StandardCharsets.US_ASCII);
            out.add(b);
        }
    }
}
