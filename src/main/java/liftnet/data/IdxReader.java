package liftnet.data;

import java.nio.file.Path;

/**
 * Reads IDX files (the MNIST format), raw or gzipped; gzip is detected by the magic bytes {@code 1f 8b},
 * not by the file name. Layout: a big-endian 32-bit magic ({@code 0x00000803} for unsigned-byte images
 * {@code [count, rows, cols]}, {@code 0x00000801} for unsigned-byte labels {@code [count]}), one big-endian
 * 32-bit size per dimension, then the bytes in row-major order and nothing else. The file must hold exactly
 * that many bytes.
 *
 * <p>Each file is streamed once: it is parsed and SHA-256 hashed in the same pass, and the hash of its
 * uncompressed bytes is checked against the expected one when one is given. Nothing is cached. Every
 * problem (missing, truncated, too long, wrong magic, bad dimensions, corrupt gzip, hash mismatch) is a
 * {@link DataException} whose message names the file, the problem and the fix.
 */
public final class IdxReader {

    /** Magic of an unsigned-byte, 3-dimensional IDX file (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic of an unsigned-byte, 1-dimensional IDX file (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    static final String DEFAULT_REMEDY = "delete it and fetch it again";

    /** Values a gzip file gets before its data is read, whatever its size. */
    private static final int FIRST_CHUNK = 1 << 20;

    /** Uncompressed bytes per gzip byte allocated before the data confirms them. */
    private static final long GZIP_RATIO = 8;

    /** {@code i / 255f} for every byte value: exactly the quotient, rounded once. */
    private static final float[] UNIT = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            UNIT[i] = i / 255f;
        }
    }

    private IdxReader() {
    }

    /**
     * Images of an IDX file.
     *
     * @param count  number of images
     * @param rows   rows per image
     * @param cols   columns per image
     * @param pixels {@code [count x rows x cols]} row-major, each pixel / 255 in {@code [0, 1]}
     */
    public record Images(int count, int rows, int cols, float[] pixels) {

        /** Values per image: {@code rows * cols}. */
        public int width() {
            return rows * cols;
        }
    }

    /**
     * Reads an IDX images file.
     *
     * @param file           raw or gzipped IDX file with magic {@code 0x00000803}
     * @param expectedSha256 hex SHA-256 of the uncompressed bytes, or {@code null} to skip the check
     * @throws DataException if the file is missing, malformed, truncated or fails the hash check
     */
    public static Images readImages(Path file, String expectedSha256) {
        return readImages(file, expectedSha256, DEFAULT_REMEDY);
    }

    /**
     * Reads an IDX labels file.
     *
     * @param file           raw or gzipped IDX file with magic {@code 0x00000801}
     * @param expectedSha256 hex SHA-256 of the uncompressed bytes, or {@code null} to skip the check
     * @return one label per sample, each in {@code [0, 255]}
     * @throws DataException if the file is missing, malformed, truncated or fails the hash check
     */
    public static int[] readLabels(Path file, String expectedSha256) {
        return readLabels(file, expectedSha256, DEFAULT_REMEDY);
    }

    /** As {@link #readImages(Path, String)}; {@code remedy} ends every error message. */
    static Images readImages(Path file, String expectedSha256, String remedy) {
        try (ByteSource in = ByteSource.open(file, remedy)) {
            checkMagic(in, in.readInt(), IMAGES_MAGIC);
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || rows <= 0 || cols <= 0) {
                throw in.fail("corrupt header: dimensions " + count + " x " + rows + " x " + cols);
            }
            long image = (long) rows * cols; // at most 2^62; the product with count is formed only when it cannot overflow
            long values = image > Integer.MAX_VALUE ? Long.MAX_VALUE : image * count;
            if (values > Integer.MAX_VALUE - 8) {
                throw in.fail("corrupt header: " + count + " x " + rows + " x " + cols + " is too large for one array");
            }
            in.expectLength(16 + values);
            float[] pixels = new float[initialCapacity(in, values)];
            byte[] buf = new byte[ByteSource.BUFFER];
            for (int done = 0; done < values; ) {
                int n = (int) Math.min(buf.length, values - done);
                in.readFully(buf, 0, n);
                if (done + n > pixels.length) {
                    pixels = java.util.Arrays.copyOf(pixels, grown(pixels.length, done + n, values));
                }
                for (int i = 0; i < n; i++) {
                    pixels[done + i] = UNIT[buf[i] & 0xff];
                }
                done += n;
            }
            in.expectEnd();
            in.verify(expectedSha256);
            return new Images(count, rows, cols, pixels);
        }
    }

    /** As {@link #readLabels(Path, String)}; {@code remedy} ends every error message. */
    static int[] readLabels(Path file, String expectedSha256, String remedy) {
        try (ByteSource in = ByteSource.open(file, remedy)) {
            checkMagic(in, in.readInt(), LABELS_MAGIC);
            int count = in.readInt();
            if (count < 0 || count > Integer.MAX_VALUE - 8) {
                throw in.fail("corrupt header: " + count + " labels");
            }
            in.expectLength(8L + count);
            int[] labels = new int[initialCapacity(in, count)];
            byte[] buf = new byte[ByteSource.BUFFER];
            for (int done = 0; done < count; ) {
                int n = Math.min(buf.length, count - done);
                in.readFully(buf, 0, n);
                if (done + n > labels.length) {
                    labels = java.util.Arrays.copyOf(labels, grown(labels.length, done + n, count));
                }
                for (int i = 0; i < n; i++) {
                    labels[done + i] = buf[i] & 0xff;
                }
                done += n;
            }
            in.expectEnd();
            in.verify(expectedSha256);
            return labels;
        }
    }

    /**
     * The first size of an array for {@code values} values. A raw file's size was checked against the header: all of
     * them. A gzip file's header only claims a size (a corrupt one can claim a thousand times its bytes): at most
     * {@value #GZIP_RATIO} times the compressed size (more than MNIST's files inflate to) or {@value #FIRST_CHUNK}, and
     * the array grows with the data actually read, so a false claim costs no more than the data that is there.
     */
    private static int initialCapacity(ByteSource in, long values) {
        return (int) (in.compressed() ? Math.min(values, Math.max(FIRST_CHUNK, GZIP_RATIO * in.fileSize())) : values);
    }

    /** The next capacity: doubled, at least {@code needed}, at most {@code values}. */
    private static int grown(int capacity, int needed, long values) {
        return (int) Math.min(values, Math.max(needed, 2L * capacity));
    }

    private static void checkMagic(ByteSource in, int found, int expected) {
        if (found == expected) {
            return;
        }
        String what = expected == IMAGES_MAGIC ? "an IDX images file" : "an IDX labels file";
        String hint = found == IMAGES_MAGIC ? " (an IDX images file)" : found == LABELS_MAGIC ? " (an IDX labels file)" : "";
        throw in.fail("not " + what + ": magic " + hex(found) + hint + ", expected " + hex(expected));
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }
}
