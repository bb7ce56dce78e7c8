package liftnet.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Solver;
import liftnet.api.Units;
import liftnet.data.Cifar10Reader;
import liftnet.data.DataException;
import liftnet.data.DatasetId;
import liftnet.data.IdxReader;
import liftnet.train.RunFolderException;
import liftnet.train.RunSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every reader of a file a user hands over, against seeded mutations of valid files: safetensors model files, IDX images
 * and labels (raw and gzipped), CIFAR-10 batches and {@code config.json}. Each mutated file must load or fail with the
 * reader's own exception and a one-line message; nothing else may escape (no {@link OutOfMemoryError}, no
 * {@code NegativeArraySizeException}), no read may allocate more than {@link #MAX_ALLOCATION} (a header claiming 2^60
 * bytes allocates nothing), and none may hang ({@link #HANG} per file).
 *
 * <p>{@value #DEFAULT_FILES} files in the default test command ({@code -Dliftnet.mutations=N} for more); the {@code long}
 * profile of core.xml ({@code mvn -B -f core.xml test -Plong}, which {@code .ci/run} runs) tries {@value #LONG_FILES} of
 * another seed. A summary (files, outcomes by kind, largest allocation) goes to {@code target/mutated-files-N.txt}.
 */
class MutatedFilesTest {

    static final int DEFAULT_FILES = 400;
    static final int LONG_FILES = 10_000;
    /** Bytes one read may allocate, all of it counted (garbage too): the valid files are a few kilobytes. */
    static final long MAX_ALLOCATION = 32L << 20;
    static final long HANG = 30;

    private static ExecutorService reader;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startReader() {
        reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mutated-file-reader");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stopReader() {
        reader.shutdownNow();
    }

    /** A format: the valid file's bytes and how to read a file of it. */
    private record Format(String name, byte[] valid, Reader read, boolean text, ByteOrder order) {
    }

    @FunctionalInterface
    private interface Reader {
        void read(Path file) throws Exception;
    }

    /** What one read did: its outcome (loaded, or the exception's class) and the bytes it allocated. */
    private record Outcome(String kind, long allocated) {
    }

    @Test
    void everyMutatedFileLoadsOrFailsWithOneLine() throws Exception {
        mutatedFiles(Integer.getInteger("liftnet.mutations", DEFAULT_FILES), 20261206);
    }

    /** The {@code long} profile's run: {@value #LONG_FILES} files of another seed. */
    @Test
    @org.junit.jupiter.api.Tag("long")
    void tenThousandMutatedFilesLoadOrFailWithOneLine() throws Exception {
        mutatedFiles(LONG_FILES, 20261207);
    }

    private void mutatedFiles(int files, long seed) throws Exception {
        List<Format> formats = formats();
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Map<String, Integer>> outcomes = new TreeMap<>();
        long largest = 0;
        String largestWhat = "";
        for (int i = 0; i < files; i++) {
            Format f = formats.get(i % formats.size());
            SplittableRandom r = random.split();
            String mutation = "";
            byte[] bytes = f.valid();
            int steps = 1 + r.nextInt(3);
            for (int s = 0; s < steps; s++) {
                Mutated m = mutate(bytes, f, r);
                bytes = m.bytes();
                mutation += (s == 0 ? "" : ", ") + m.what();
            }
            Path file = tmp.resolve(f.name() + "-" + i + suffix(f));
            Files.write(file, bytes);
            Outcome o = read(f, file, "file " + i + " (" + f.name() + ": " + mutation + ")");
            outcomes.computeIfAbsent(f.name(), k -> new TreeMap<>()).merge(o.kind(), 1, Integer::sum);
            if (o.allocated() > largest) {
                largest = o.allocated();
                largestWhat = f.name() + " file " + i + " (" + mutation + ", " + bytes.length + " bytes)";
            }
            Files.delete(file);
        }
        writeSummary(files, outcomes, largest, largestWhat);
        assertTrue(largest <= MAX_ALLOCATION, "largest allocation " + largest + " bytes by " + largestWhat);
        for (Format f : formats) {
            Map<String, Integer> byKind = outcomes.get(f.name());
            assertTrue(byKind.size() >= 2, f.name() + ": the mutations should both break and keep files: " + byKind);
        }
    }

    /** A header that claims 2^60 bytes, or any length past {@link SafeTensors#MAX_HEADER_BYTES}, allocates nothing. */
    @Test
    void aHeaderClaimingHugeSizesIsRefusedWithoutAllocating() throws Exception {
        Format model = formats().get(0);
        for (long claim : new long[] {1L << 60, -1, SafeTensors.MAX_HEADER_BYTES + 1, Long.MAX_VALUE}) {
            byte[] bytes = model.valid().clone();
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, claim);
            Path file = Files.write(tmp.resolve("claim.safetensors"), bytes);
            Outcome o = read(model, file, "header length " + claim);
            assertEquals("ModelFileException", o.kind(), "header length " + claim);
            assertTrue(o.allocated() < 1 << 20, "header length " + claim + " allocated " + o.allocated() + " bytes");
        }
        // a file large enough to hold a header past the limit is refused for the limit, not read
        Path big = tmp.resolve("big.safetensors");
        try (var out = Files.newOutputStream(big)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(SafeTensors.MAX_HEADER_BYTES + 1).array());
        }
        try (var channel = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {'}'}), SafeTensors.MAX_HEADER_BYTES + 16); // sparse
        }
        ModelFileException e = org.junit.jupiter.api.Assertions.assertThrows(ModelFileException.class, () -> ModelFile.read(big));
        assertTrue(e.getMessage().contains("exceeds the limit of " + SafeTensors.MAX_HEADER_BYTES + " bytes"), e.getMessage());
        for (Format f : formats().subList(1, 3)) { // IDX images, raw and gzipped: 2^31 - 9 values claimed
            byte[] bytes = f.name().endsWith("gz") ? ungzip(f.valid()) : f.valid().clone();
            ByteBuffer.wrap(bytes).putInt(4, 1).putInt(8, 46_340).putInt(12, 46_340);
            Path file = Files.write(tmp.resolve("claim" + suffix(f)), f.name().endsWith("gz") ? gzip(bytes) : bytes);
            Outcome o = read(f, file, f.name() + " claiming 2^31 pixels");
            assertEquals("DataException", o.kind(), f.name());
            assertTrue(o.allocated() < 16L << 20, f.name() + " allocated " + o.allocated() + " bytes");
        }
    }

    private static String suffix(Format f) {
        return f.name().endsWith("gz") ? ".gz" : f.name().equals("safetensors") ? ".safetensors" : "";
    }

    /** Reads {@code file} on the reader thread, classifying what happened; fails the test for anything but the contract. */
    private static Outcome read(Format f, Path file, String what) throws InterruptedException {
        Future<Outcome> result = reader.submit(() -> {
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long id = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(id);
            String kind;
            try {
                f.read().read(file);
                kind = "loaded";
            } catch (DataException | ModelFileException | RunFolderException e) {
                String m = e.getMessage();
                if (m == null || m.isBlank() || m.contains("\n") || m.contains("\r")) {
                    throw new AssertionError(what + ": the message is not one line: " + m, e);
                }
                kind = e.getClass().getSimpleName();
            } catch (Throwable e) {
                throw new AssertionError(what + ": escaped as " + e, e);
            }
            return new Outcome(kind, threads.getThreadAllocatedBytes(id) - before);
        });
        try {
            return result.get(HANG, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            fail(what + ": still reading after " + HANG + " s");
            return null;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof AssertionError a ? a : new AssertionError(what, e.getCause());
        }
    }

    private static void writeSummary(int files, Map<String, Map<String, Integer>> outcomes, long largest, String what)
            throws IOException {
        StringBuilder sb = new StringBuilder("files tried: " + files + "\n");
        outcomes.forEach((format, byKind) -> sb.append(format).append(": ").append(byKind).append('\n'));
        sb.append("largest allocation of one read: ").append(largest).append(" bytes, ").append(what).append('\n');
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("mutated-files-" + files + ".txt"), sb.toString());
        }
    }

    // ---- the valid files ------------------------------------------------------------------------------------------

    private List<Format> formats() throws IOException {
        Path model = tmp.resolve("valid.safetensors");
        NetSpec net = NetSpec.parse("2x6x6-c3k3s2-5-3");
        ModelFile.write(model, new NetConfig(net, Units.RELU, 0.125), Parameters.initial(net, 1), Map.of("method", "contrastive"));
        byte[] images = ByteBuffer.allocate(16 + 3 * 20).putInt(IdxReader.IMAGES_MAGIC).putInt(3).putInt(4).putInt(5)
                .put(bytes(60, 1)).array();
        byte[] labels = ByteBuffer.allocate(8 + 3).putInt(IdxReader.LABELS_MAGIC).putInt(3).put(new byte[] {1, 9, 0}).array();
        byte[] cifar = bytes(3 * 3073, 2);
        for (int i = 0; i < 3; i++) {
            cifar[i * 3073] = (byte) (i * 4);
        }
        RunSettings settings = new RunSettings(DatasetId.MNIST, tmp.toAbsolutePath(), NetSpec.parse("784-12-10"), Units.RELU,
                0.125, Method.CONTRASTIVE, 3, 20, 0.05, 6, null, Solver.JACOBI, 0, 1, 3, 400, 2, "cpu");
        byte[] config = new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(settings.toJson())
                .getBytes(StandardCharsets.UTF_8);
        return List.of(
                new Format("safetensors", Files.readAllBytes(model), ModelFile::read, true, ByteOrder.LITTLE_ENDIAN),
                new Format("idx-images", images, file -> IdxReader.readImages(file, null), false, ByteOrder.BIG_ENDIAN),
                new Format("idx-images-gz", gzip(images), file -> IdxReader.readImages(file, null), false, ByteOrder.BIG_ENDIAN),
                new Format("idx-labels", labels, file -> IdxReader.readLabels(file, null), false, ByteOrder.BIG_ENDIAN),
                new Format("cifar10", cifar, file -> Cifar10Reader.read("cifar10/test", List.of(file)), false, ByteOrder.BIG_ENDIAN),
                new Format("config.json", config, MutatedFilesTest::readConfig, true, ByteOrder.BIG_ENDIAN));
    }

    /** Reads {@code file} as the config.json of a run folder, as {@code --resume} does. */
    private static void readConfig(Path file) throws IOException {
        Path folder = Files.createDirectories(file.resolveSibling(file.getFileName() + ".run"));
        Files.copy(file, folder.resolve(liftnet.train.RunFolder.CONFIG), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try {
            new liftnet.train.RunFolder(folder).readConfig();
        } finally {
            Files.delete(folder.resolve(liftnet.train.RunFolder.CONFIG));
            Files.delete(folder);
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] ungzip(byte[] data) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }

    // ---- mutations ------------------------------------------------------------------------------------------------

    private record Mutated(byte[] bytes, String what) {
    }

    private static final long[] INTERESTING = {0, 1, -1, 0x7f, 0xff, 0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL, 46_341,
            Integer.MAX_VALUE - 8, 1L << 32, 1L << 60, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final String[] TOKENS = {"1152921504606846976", "-1", "0", "2147483647", "2147483648", "1e309", "-0",
            "NaN", "99999999999999999999999", "\"\"", "null", "[]", "{}", "true", "\"F64\"", "\"I8\"", "\"1x28x28-c100000k5-10\"",
            "\"784-2147483647-10\"", "[1152921504606846976]", "[0, 1152921504606846976]", "\"\\ud800\"", "\"x\"", "1.5"};

    /** One seeded mutation of {@code b}, which is not modified. */
    private static Mutated mutate(byte[] b, Format f, SplittableRandom r) throws IOException {
        int kind = r.nextInt(f.text() ? 9 : 7);
        if (f.name().endsWith("gz") && r.nextInt(3) == 0) { // mutate the inflated bytes and compress them again
            byte[] inflated = null;
            try {
                inflated = ungzip(b);
            } catch (IOException e) {
                // an earlier mutation broke the gzip stream: mutate its bytes instead
            }
            if (inflated != null) {
                Mutated inner = mutate(inflated, new Format("idx-images", null, null, false, ByteOrder.BIG_ENDIAN), r);
                return new Mutated(gzip(inner.bytes()), "inside gzip: " + inner.what());
            }
        }
        byte[] out = b.clone();
        int n = Math.max(1, out.length);
        switch (kind) {
            case 0 -> {
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips && out.length > 0; i++) {
                    out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return new Mutated(out, flips + " bit flips");
            }
            case 1 -> {
                if (out.length == 0) {
                    return new Mutated(out, "nothing to overwrite");
                }
                int at = r.nextInt(out.length);
                out[at] = (byte) INTERESTING[r.nextInt(5)];
                return new Mutated(out, "byte " + at + " = " + out[at]);
            }
            case 2 -> { // a header word: IDX's big-endian ints, safetensors' little-endian length
                long v = INTERESTING[r.nextInt(INTERESTING.length)];
                int width = f.order() == ByteOrder.LITTLE_ENDIAN ? 8 : 4;
                int at = f.order() == ByteOrder.LITTLE_ENDIAN ? 0 : 4 * r.nextInt(4);
                if (out.length < at + width) {
                    return new Mutated(out, "too short for a header word");
                }
                ByteBuffer buf = ByteBuffer.wrap(out).order(f.order());
                if (width == 8) {
                    buf.putLong(at, v);
                } else {
                    buf.putInt(at, (int) v);
                }
                return new Mutated(out, "word at " + at + " = " + v);
            }
            case 3 -> {
                int len = r.nextInt(n);
                return new Mutated(java.util.Arrays.copyOf(out, len), "truncated to " + len);
            }
            case 4 -> {
                byte[] tail = bytes(1 + r.nextInt(64), r.nextLong());
                byte[] longer = java.util.Arrays.copyOf(out, out.length + tail.length);
                System.arraycopy(tail, 0, longer, out.length, tail.length);
                return new Mutated(longer, tail.length + " bytes appended");
            }
            case 5 -> { // a chunk repeated in place
                int from = r.nextInt(n);
                int len = Math.min(out.length - Math.min(from, out.length), 1 + r.nextInt(32));
                byte[] longer = new byte[out.length + len];
                System.arraycopy(out, 0, longer, 0, from);
                System.arraycopy(out, from, longer, from, len);
                System.arraycopy(out, from, longer, from + len, out.length - from);
                return new Mutated(longer, len + " bytes repeated at " + from);
            }
            case 6 -> { // a chunk removed
                int from = r.nextInt(n);
                int len = Math.min(out.length - Math.min(from, out.length), 1 + r.nextInt(32));
                byte[] shorter = new byte[out.length - len];
                System.arraycopy(out, 0, shorter, 0, from);
                System.arraycopy(out, from + len, shorter, from, out.length - from - len);
                return new Mutated(shorter, len + " bytes removed at " + from);
            }
            default -> { // text: a JSON value replaced, e.g. a shape, an offset or a setting
                String text = new String(out, StandardCharsets.ISO_8859_1);
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile(kind == 7 ? "-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?" : "\"[^\"]*\"").matcher(text);
                List<int[]> spans = new java.util.ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                if (spans.isEmpty()) {
                    return new Mutated(out, "no JSON value to replace");
                }
                int[] span = spans.get(r.nextInt(spans.size()));
                String token = TOKENS[r.nextInt(TOKENS.length)];
                String changed = text.substring(0, span[0]) + token + text.substring(span[1]);
                byte[] result = changed.getBytes(StandardCharsets.ISO_8859_1);
                if (f.name().equals("safetensors")) { // keep the header length consistent, so the JSON is what is read
                    long header = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
                    if (span[0] >= 8 && span[1] <= 8 + header) {
                        ByteBuffer.wrap(result).order(ByteOrder.LITTLE_ENDIAN)
                                .putLong(0, header + result.length - out.length);
                    }
                }
                return new Mutated(result, "value " + text.substring(span[0], span[1]) + " -> " + token);
            }
        }
    }

    @Test
    void theValidFilesLoad() throws Exception {
        for (Format f : formats()) {
            Path file = Files.write(tmp.resolve("valid-" + f.name() + suffix(f)), f.valid());
            Outcome o = read(f, file, f.name());
            assertEquals("loaded", o.kind(), f.name());
            assertFalse(o.allocated() > MAX_ALLOCATION, f.name());
        }
    }
}
