package dev.hearth.node.dump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The recognition and counting; a real full disk is DiskFullIT's. */
@Timeout(30)
class DiskSpaceTest {
    @TempDir
    Path dir;

    @Test
    void aFullDiskIsRecognisedThroughCausesAndCountedPerWriter() {
        DiskSpace disk = new DiskSpace();
        Exception full = new UncheckedIOException(new FileSystemException("/data/x.tmp", null, "No space left on device"));
        assertTrue(disk.recordIfFull(DiskSpace.LOCAL_COPY, dir, full));
        assertTrue(disk.recordIfFull(DiskSpace.LOCAL_COPY, dir, new IOException("Disk quota exceeded")));
        assertFalse(disk.recordIfFull(DiskSpace.DUMP, dir, new IOException("Permission denied")));
        assertFalse(disk.recordIfFull(DiskSpace.DUMP, dir, new RuntimeException("No space left on device")),
                "only the operating system's I/O error says the disk is full");
        assertEquals(Map.of(DiskSpace.LOCAL_COPY, 2L, DiskSpace.DUMP, 0L), disk.counts());
        assertTrue(DiskSpace.figures(dir.resolve("not/yet")).matches("\\d+ bytes free of \\d+ on .*"),
                "figures of the nearest existing parent");
    }
}
