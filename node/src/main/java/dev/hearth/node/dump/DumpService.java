package dev.hearth.node.dump;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Dumps this node's primary copies to local files, one file per zone, without pausing service: the scan reads
 * live entries while writes go on (an entry written during the dump may or may not be in it). Dumps live in
 * {@code <dataDir>/dumps/<name>/}; a dump is complete once its {@code manifest.json} exists.
 */
public final class DumpService {
    private static final Logger LOG = LogManager.getLogger(DumpService.class);
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Where a dump reads from: this node's primary copies of one zone. */
    @FunctionalInterface
    public interface LocalEntries {
        void forEachPrimary(String zone, DumpFile.RecordConsumer consumer) throws IOException;
    }

    /**
     * @param state running, complete, failed or incomplete (files without a manifest: the node stopped mid-dump)
     * @param zones per zone: entries and bytes written so far
     */
    public record DumpInfo(String name, String node, String state, long createdAt, long completedAt,
            Map<String, ZoneFile> zones, String error) {
        public long entries() {
            return zones.values().stream().mapToLong(ZoneFile::entries).sum();
        }
    }

    public record ZoneFile(String file, long entries, long bytes) {
    }

    /** The dumps one node holds, in {@link #list}'s order. */
    public record DumpList(String node, List<DumpInfo> dumps) {
    }

    /** Result of re-reading every file of a dump. */
    public record VerifyResult(String name, String node, boolean ok, List<FileCheck> files) {
    }

    public record FileCheck(String zone, String file, long entries, long bytes, boolean ok, String error) {
    }

    private final Path root;
    private final String node;
    private final Collection<String> allZones;
    private final LocalEntries source;
    private final ExecutorService executor;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Dumps of this process that failed, with why: their FAILED marker may not be written (a full disk). */
    private final Map<String, String> failedHere = new ConcurrentHashMap<>();

    private final DiskSpace disk;

    /** Guards {@link #newestCompletedAt}: a read from disk and a change of the dumps never interleave. */
    private final Object newestLock = new Object();
    /** What {@link #newestCompletedAt()} answers; -1 until read from disk, and again after the dumps changed. */
    private long newestCompletedAt = -1;

    public DumpService(Path dataDir, String node, Collection<String> allZones, LocalEntries source,
            ExecutorService executor) {
        this(dataDir, node, allZones, source, executor, new DiskSpace());
    }

    /** @param disk where a full disk is counted and logged (the node's, shared with its local copy) */
    public DumpService(Path dataDir, String node, Collection<String> allZones, LocalEntries source,
            ExecutorService executor, DiskSpace disk) {
        this.disk = disk;
        this.root = dataDir.resolve("dumps");
        this.node = node;
        this.allZones = List.copyOf(allZones);
        this.source = source;
        this.executor = executor;
    }

    private static final class Running {
        final long createdAt = System.currentTimeMillis();
        final Map<String, AtomicLong> entries = new ConcurrentHashMap<>();
        volatile String error;
    }

    /**
     * Starts a dump in the background.
     *
     * @param zones the zones to dump; empty for all
     * @throws IllegalArgumentException for a bad name or unknown zone
     * @throws IllegalStateException if a dump of that name exists or one is already running
     */
    public synchronized DumpInfo start(String name, List<String> zones) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("dump name '" + name + "' is not allowed (1-64 letters, digits, "
                    + "'.', '_' or '-')");
        }
        for (String z : zones) {
            if (!allZones.contains(z)) {
                throw new IllegalArgumentException("unknown zone '" + z + "'; zones: " + allZones);
            }
        }
        if (!running.isEmpty()) {
            throw new IllegalStateException("dump " + running.keySet().iterator().next() + " is still running");
        }
        Path dir = root.resolve(name);
        if (Files.exists(dir)) {
            throw new IllegalStateException("dump " + name + " already exists on this node");
        }
        List<String> which = zones.isEmpty() ? List.copyOf(allZones) : List.copyOf(zones);
        Running job = new Running();
        which.forEach(z -> job.entries.put(z, new AtomicLong()));
        running.put(name, job);
        executor.execute(() -> run(name, dir, which, job));
        return info(name).orElseThrow();
    }

    private void run(String name, Path dir, List<String> zones, Running job) {
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir);
            Map<String, ZoneFile> files = new LinkedHashMap<>();
            for (String zone : zones) {
                String file = zone + ".hdump";
                AtomicLong counter = job.entries.get(zone);
                try (DumpFile.Writer w = new DumpFile.Writer(dir.resolve(file))) {
                    source.forEachPrimary(zone, (k, v) -> {
                        w.write(k, v);
                        counter.set(w.entries());
                    });
                    w.close();
                    files.put(zone, new ZoneFile(file, w.entries(), w.bytes()));
                }
            }
            Manifest m = new Manifest(name, node, job.createdAt, System.currentTimeMillis(), files);
            Path tmp = dir.resolve("manifest.json.tmp");
            JSON.writeValue(tmp.toFile(), m);
            Files.move(tmp, dir.resolve("manifest.json"), StandardCopyOption.ATOMIC_MOVE);
            dumpsChanged();
            LOG.info("Dump {} written: {} entries in {} ms", name, files.values().stream()
                    .mapToLong(ZoneFile::entries).sum(), (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            job.error = e.toString();
            failedHere.put(name, e.toString());
            if (!disk.recordIfFull(DiskSpace.DUMP, dir, e)) {
                LOG.error("Dump {} failed", name, e);
            }
            // A dump without its manifest is never loaded: its zone files only take the space that the local copy
            // and the next dump need (all the more on a full disk).
            removeZoneFiles(name, dir);
            try {
                Files.writeString(dir.resolve("FAILED"), e.toString());
            } catch (IOException second) {
                LOG.error("Cannot mark dump {} as failed", name, second);
            }
        } finally {
            synchronized (this) {
                running.remove(name);
            }
        }
    }

    /** Deletes the zone files of failed dump {@code name}, leaving its FAILED marker to say what happened. */
    private static void removeZoneFiles(String name, Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> list = Files.list(dir)) {
            for (Path f : (Iterable<Path>) list::iterator) {
                if (f.getFileName().toString().endsWith(".hdump")) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.error("Cannot remove the files of failed dump {}", name, e);
        }
    }

    /** Manifest as stored. */
    public record Manifest(String name, String node, long createdAt, long completedAt, Map<String, ZoneFile> zones) {
    }

    public List<DumpInfo> list() {
        List<DumpInfo> out = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> dirs = Files.list(root)) {
                dirs.filter(Files::isDirectory).forEach(d -> info(d.getFileName().toString()).ifPresent(out::add));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        running.keySet().stream().filter(n -> out.stream().noneMatch(d -> d.name().equals(n)))
                .forEach(n -> info(n).ifPresent(out::add));
        out.sort(Comparator.comparingLong(DumpInfo::createdAt));
        return out;
    }

    public Optional<DumpInfo> info(String name) {
        Running job = running.get(name);
        if (job != null) {
            Map<String, ZoneFile> zones = new LinkedHashMap<>();
            job.entries.forEach((z, n) -> zones.put(z, new ZoneFile(z + ".hdump", n.get(), 0)));
            return Optional.of(new DumpInfo(name, node, "running", job.createdAt, 0, zones, job.error));
        }
        Path dir = root.resolve(name);
        if (!NAME.matcher(name).matches() || !Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try {
            Path manifest = dir.resolve("manifest.json");
            if (Files.exists(manifest)) {
                Manifest m = JSON.readValue(manifest.toFile(), Manifest.class);
                return Optional.of(new DumpInfo(m.name(), m.node(), "complete", m.createdAt(), m.completedAt(),
                        m.zones(), null));
            }
            Path failed = dir.resolve("FAILED");
            String here = failedHere.get(name);
            String error = Files.exists(failed) ? Files.readString(failed)
                    : here != null ? here : "no manifest: the node stopped mid-dump";
            return Optional.of(new DumpInfo(name, node, Files.exists(failed) || here != null ? "failed" : "incomplete",
                    Files.getLastModifiedTime(dir).toMillis(), 0, Map.of(), error));
        } catch (IOException e) {
            return Optional.of(new DumpInfo(name, node, "failed", 0, 0, Map.of(), e.toString()));
        }
    }

    /** Deletes the oldest dumps whose names start with {@code prefix}, keeping the newest {@code keep}. */
    public synchronized void prune(String prefix, int keep) {
        List<DumpInfo> mine = list().stream().filter(d -> d.name().startsWith(prefix)
                && !d.state().equals("running")).toList();
        for (int i = 0; i < mine.size() - keep; i++) {
            try {
                deleteDir(root.resolve(mine.get(i).name()));
            } catch (IOException e) {
                LOG.warn("Cannot delete old dump {}: {}", mine.get(i).name(), e.toString());
            }
        }
        dumpsChanged();
    }

    /**
     * Deletes this node's files of dump {@code name} (complete, failed or left incomplete), as an operator's
     * {@code hearthctl dump delete}.
     *
     * @return what was deleted, or empty if this node holds no such dump
     * @throws IllegalStateException while the dump is being written
     * @throws UncheckedIOException if a file could not be deleted (the dump is then left incomplete)
     */
    public synchronized Optional<DumpInfo> delete(String name) {
        if (running.containsKey(name)) {
            throw new IllegalStateException("dump " + name + " is being written on " + node + "; delete it after");
        }
        Optional<DumpInfo> info = info(name);
        if (info.isPresent()) {
            try {
                deleteDir(root.resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete dump " + name + " on " + node, e);
            } finally {
                dumpsChanged();
            }
            failedHere.remove(name);
            LOG.info("Deleted dump {} ({} entries)", name, info.get().entries());
        }
        return info;
    }

    /** The manifest first: a dump whose deletion stops half-way reads as incomplete, never as complete. */
    private static void deleteDir(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve("manifest.json"));
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** The newest complete dump, if any. */
    public Optional<DumpInfo> newest() {
        return list().stream().filter(d -> d.state().equals("complete"))
                .max(Comparator.comparingLong(DumpInfo::createdAt));
    }

    /**
     * When the newest complete dump ({@link #newest}) finished, epoch ms, 0 when there is none. Read from disk once
     * and again only after a dump completed or was deleted, so that every metrics scrape does not list the dumps.
     */
    public long newestCompletedAt() {
        synchronized (newestLock) {
            if (newestCompletedAt < 0) {
                newestCompletedAt = newest().map(DumpInfo::completedAt).orElse(0L);
            }
            return newestCompletedAt;
        }
    }

    private void dumpsChanged() {
        synchronized (newestLock) {
            newestCompletedAt = -1;
        }
    }

    /** Path of one zone's file of a complete dump. */
    public Path file(DumpInfo dump, String zone) {
        return root.resolve(dump.name()).resolve(dump.zones().get(zone).file());
    }

    /** Re-reads every file of a complete dump and checks its trailer and every entry's checksum. */
    public Optional<VerifyResult> verify(String name) {
        Optional<DumpInfo> found = info(name);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        DumpInfo d = found.get();
        if (!d.state().equals("complete")) {
            return Optional.of(new VerifyResult(name, node, false, List.of(new FileCheck("", "", 0, 0, false,
                    "dump is " + d.state() + (d.error() == null ? "" : ": " + d.error())))));
        }
        List<FileCheck> checks = new ArrayList<>();
        boolean ok = true;
        for (var e : d.zones().entrySet()) {
            long[] damaged = {0};
            try {
                DumpFile.Summary s = DumpFile.read(file(d, e.getKey()), (k, v) -> {
                    if (!EntryChecks.intact(k, v)) {
                        damaged[0]++;
                    }
                });
                boolean fileOk = damaged[0] == 0 && s.entries() == e.getValue().entries();
                String error = damaged[0] > 0 ? damaged[0] + " entries fail their checksum"
                        : s.entries() != e.getValue().entries()
                                ? "manifest says " + e.getValue().entries() + " entries, file has " + s.entries() : null;
                checks.add(new FileCheck(e.getKey(), e.getValue().file(), s.entries(), s.bytes(), fileOk, error));
                ok &= fileOk;
            } catch (IOException ex) {
                checks.add(new FileCheck(e.getKey(), e.getValue().file(), 0, 0, false, ex.getMessage()));
                ok = false;
            }
        }
        return Optional.of(new VerifyResult(name, node, ok, checks));
    }
}
