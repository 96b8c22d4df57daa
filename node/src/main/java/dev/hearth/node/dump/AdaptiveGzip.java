package dev.hearth.node.dump;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A gzip stream that stops compressing what does not compress. Deflate's cost does not depend on whether it gains
 * anything: values that are already compressed or encrypted went through at about 45 MB/s on one core here, at any
 * level, and a dump of them was CPU-bound (63.8 MB/s for three nodes on 2 cores). Stored blocks of the same data run
 * at about 800 MB/s. So each {@link #WINDOW} of input is judged by what it compressed to: one that kept at least
 * {@link #STORE_ABOVE} of its size makes the next {@link #STORED_WINDOWS} windows stored (level 0), then one window is
 * tried compressed again; compressible data stays at {@link Deflater#BEST_SPEED}, which here compressed JSON at 650
 * MB/s where the default level ran at 360 MB/s, for files 1.5 times larger. The output is plain gzip either way.
 */
final class AdaptiveGzip extends GZIPOutputStream {
    static final long WINDOW = 4L << 20;
    static final double STORE_ABOVE = 0.95;
    static final int STORED_WINDOWS = 15;

    private final long window;
    private long windowStartIn;
    private long windowStartOut;
    private int storedLeft;

    AdaptiveGzip(OutputStream out, int bufferSize) throws IOException {
        this(out, bufferSize, WINDOW);
    }

    /** @param window input bytes judged at a time (tests use small ones) */
    AdaptiveGzip(OutputStream out, int bufferSize, long window) throws IOException {
        super(out, bufferSize);
        this.window = window;
        def.setLevel(Deflater.BEST_SPEED);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        super.write(b, off, len);
        long in = def.getBytesRead();
        if (in - windowStartIn < window) {
            return;
        }
        long out = def.getBytesWritten();
        if (storedLeft > 0) {
            storedLeft--;
            if (storedLeft == 0) {
                def.setLevel(Deflater.BEST_SPEED);
            }
        } else if (out - windowStartOut >= STORE_ABOVE * (in - windowStartIn)) {
            storedLeft = STORED_WINDOWS;
            def.setLevel(Deflater.NO_COMPRESSION);
        }
        windowStartIn = in;
        windowStartOut = out;
    }

    /** Whether the next input is stored rather than compressed (for tests). */
    synchronized boolean storing() {
        return storedLeft > 0;
    }
}
