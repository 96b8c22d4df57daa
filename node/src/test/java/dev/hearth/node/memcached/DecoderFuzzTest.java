package dev.hearth.node.memcached;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Fuzzes the text/meta and binary decoders with arbitrary bytes split into arbitrary chunks. They must never throw,
 * must emit only typed requests, and must never hold more unread input than one command line or one item allows.
 * Runs on the seeds in src/test/resources (regression mode) during mvn verify; to fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -pl node test -Dtest=DecoderFuzzTest#textDecoder} (see README): 10 million executions,
 * the figure docs/benchmarks.md reports.
 */
class DecoderFuzzTest {
    private static final int MAX_ITEM = 4096;

    @FuzzTest(maxExecutions = 10_000_000, maxDuration = "2h")
    void textDecoder(FuzzedDataProvider data) {
        feed(new TextDecoder(MAX_ITEM), data, TextRequest.class, Math.max(64 * 1024, MAX_ITEM) + 2048);
    }

    @FuzzTest(maxExecutions = 10_000_000, maxDuration = "2h")
    void binaryDecoder(FuzzedDataProvider data) {
        feed(new BinaryDecoder(MAX_ITEM), data, BinaryRequest.class, MAX_ITEM + 24 + 255 + 250 + 65536);
    }

    private static void feed(io.netty.channel.ChannelHandler decoder, FuzzedDataProvider data, Class<?> type,
            int bound) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        try {
            while (data.remainingBytes() > 0) {
                int n = data.consumeInt(1, 512);
                byte[] chunk = data.consumeBytes(n);
                if (chunk.length == 0) {
                    break;
                }
                ch.writeInbound(Unpooled.wrappedBuffer(chunk));
                Object o;
                while ((o = ch.readInbound()) != null) {
                    assertTrue(type.isInstance(o), "unexpected message " + o);
                }
                ByteBuf cumulation = cumulation(decoder);
                assertTrue(cumulation == null || cumulation.readableBytes() <= bound,
                        "decoder holds " + (cumulation == null ? 0 : cumulation.readableBytes()) + " bytes");
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static ByteBuf cumulation(Object decoder) {
        try {
            var f = io.netty.handler.codec.ByteToMessageDecoder.class.getDeclaredField("cumulation");
            f.setAccessible(true);
            return (ByteBuf) f.get(decoder);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
