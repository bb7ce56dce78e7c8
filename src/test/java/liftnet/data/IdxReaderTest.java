package liftnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    private static final int COUNT = 7;
    private static final int ROWS = 5;
    private static final int COLS = 4;

    @TempDir
    Path tmp;

    private byte[] pixels;
    private byte[] labels;
    private byte[] imagesBytes;
    private byte[] labelsBytes;

    @BeforeEach
    void makeData() {
        SplittableRandom rnd = new SplittableRandom(20190901L);
        pixels = new byte[COUNT * ROWS * COLS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) rnd.nextInt(256);
        }
        pixels[0] = 0;
        pixels[1] = (byte) 255;
        labels = new byte[COUNT];
        for (int i = 0; i < COUNT; i++) {
            labels[i] = (byte) rnd.nextInt(10);
        }
        imagesBytes = TestFiles.idxImages(COUNT, ROWS, COLS, pixels);
        labelsBytes = TestFiles.idxLabels(labels);
    }

    private void assertImages(IdxReader.Images im) {
        assertEquals(COUNT, im.count());
        assertEquals(ROWS, im.rows());
        assertEquals(COLS, im.cols());
        assertEquals(ROWS * COLS, im.width());
        assertEquals(pixels.length, im.pixels().length);
        for (int i = 0; i < pixels.length; i++) {
            assertEquals((pixels[i] & 0xff) / 255f, im.pixels()[i], "pixel " + i);
        }
        assertEquals(0f, im.pixels()[0]);
        assertEquals(1f, im.pixels()[1]);
    }

    private int[] expectedLabels() {
        int[] y = new int[COUNT];
        for (int i = 0; i < COUNT; i++) {
            y[i] = labels[i];
        }
        return y;
    }

    @Test
    void rawRoundTrip() {
        assertImages(IdxReader.readImages(TestFiles.write(tmp.resolve("img"), imagesBytes), null));
        assertArrayEquals(expectedLabels(), IdxReader.readLabels(TestFiles.write(tmp.resolve("lab"), labelsBytes), null));
    }

    @Test
    void gzipIsDetectedByMagicNotByName() {
        Path gzNoSuffix = TestFiles.write(tmp.resolve("images.bin"), TestFiles.gzip(imagesBytes));
        Path rawWithSuffix = TestFiles.write(tmp.resolve("images.gz"), imagesBytes);
        assertImages(IdxReader.readImages(gzNoSuffix, null));
        assertImages(IdxReader.readImages(rawWithSuffix, null));
        Path labelsGz = TestFiles.write(tmp.resolve("labels-idx1-ubyte.gz"), TestFiles.gzip(labelsBytes));
        assertArrayEquals(expectedLabels(), IdxReader.readLabels(labelsGz, null));
    }

    @Test
    void hashIsOfTheUncompressedBytes() {
        String expected = TestFiles.sha256(imagesBytes);
        Path raw = TestFiles.write(tmp.resolve("raw"), imagesBytes);
        Path gz = TestFiles.write(tmp.resolve("raw.gz"), TestFiles.gzip(imagesBytes));
        assertEquals(expected, Sha256.ofUncompressed(raw));
        assertEquals(expected, Sha256.ofUncompressed(gz));
        assertImages(IdxReader.readImages(raw, expected));
        assertImages(IdxReader.readImages(gz, expected.toUpperCase(java.util.Locale.ROOT)));
        assertArrayEquals(expectedLabels(),
                IdxReader.readLabels(TestFiles.write(tmp.resolve("l"), labelsBytes), TestFiles.sha256(labelsBytes)));
    }

    @Test
    void hashMismatchNamesFileExpectedAndFound() {
        Path gz = TestFiles.write(tmp.resolve("train-images-idx3-ubyte.gz"), TestFiles.gzip(imagesBytes));
        String found = TestFiles.sha256(imagesBytes);
        char[] w = found.toCharArray();
        w[10] = w[10] == '0' ? '1' : '0';
        String wrong = new String(w);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(gz, wrong));
        assertTrue(e.getMessage().contains(gz.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("expected " + wrong), e.getMessage());
        assertTrue(e.getMessage().contains("found " + found), e.getMessage());
        assertTrue(e.getMessage().contains(IdxReader.DEFAULT_REMEDY), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());

        Path labelsFile = TestFiles.write(tmp.resolve("lab"), labelsBytes);
        assertThrows(DataException.class, () -> IdxReader.readLabels(labelsFile, wrong));
    }

    @Test
    void flippedByteFailsTheHash() {
        String good = TestFiles.sha256(imagesBytes);
        byte[] bad = imagesBytes.clone();
        bad[bad.length - 1] ^= 1;
        Path file = TestFiles.write(tmp.resolve("img"), bad);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(file, good));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void truncatedRawFileNamesTheFileAndTheFix() {
        Path file = TestFiles.write(tmp.resolve("t10k-images-idx3-ubyte"), Arrays.copyOf(imagesBytes, imagesBytes.length - 3));
        DataException e = assertThrows(DataException.class,
                () -> IdxReader.readImages(file, null, "delete it and run scripts/fetch-data.sh mnist"));
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString() + ": truncated"), m);
        assertTrue(m.contains(String.valueOf(imagesBytes.length)), m);
        assertTrue(m.endsWith("delete it and run scripts/fetch-data.sh mnist"), m);
        assertEquals(1, m.lines().count());
    }

    @Test
    void truncatedGzipFileNamesTheFile() {
        byte[] gz = TestFiles.gzip(imagesBytes);
        Path file = TestFiles.write(tmp.resolve("img.gz"), Arrays.copyOf(gz, gz.length - 12));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(file, null));
        assertTrue(e.getMessage().startsWith(file.toString() + ": truncated"), e.getMessage());
    }

    @Test
    void truncatedHeaderAndEmptyFile() {
        Path header = TestFiles.write(tmp.resolve("short"), Arrays.copyOf(imagesBytes, 6));
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readImages(header, null)).getMessage()
                .contains("truncated"));
        Path empty = TestFiles.write(tmp.resolve("empty"), new byte[0]);
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readLabels(empty, null)).getMessage()
                .startsWith(empty + ": truncated"));
    }

    @Test
    void trailingBytesAreAnError() {
        Path raw = TestFiles.write(tmp.resolve("long"), TestFiles.concat(labelsBytes, new byte[] {1}));
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readLabels(raw, null)).getMessage()
                .contains("too long"));
        Path gz = TestFiles.write(tmp.resolve("long.gz"), TestFiles.gzip(TestFiles.concat(imagesBytes, new byte[] {1})));
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readImages(gz, null)).getMessage()
                .contains("too long"));
    }

    @Test
    void wrongMagicSaysWhatTheFileIs() {
        Path labelsFile = TestFiles.write(tmp.resolve("train-labels-idx1-ubyte"), labelsBytes);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(labelsFile, null));
        String m = e.getMessage();
        assertTrue(m.startsWith(labelsFile + ": not an IDX images file"), m);
        assertTrue(m.contains("0x00000801") && m.contains("0x00000803"), m);

        byte[] other = imagesBytes.clone();
        other[2] = 0x0d; // 0x00000d03: floats, not unsigned bytes
        Path file = TestFiles.write(tmp.resolve("floats"), other);
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readImages(file, null)).getMessage()
                .contains("magic 0x00000d03"));
        Path imagesFile = TestFiles.write(tmp.resolve("img"), imagesBytes);
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readLabels(imagesFile, null)).getMessage()
                .contains("not an IDX labels file"));
    }

    @Test
    void corruptHeaderDimensions() {
        Path neg = TestFiles.write(tmp.resolve("neg"), TestFiles.idxImages(-1, ROWS, COLS, new byte[0]));
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readImages(neg, null)).getMessage()
                .contains("corrupt header"));
        // a gzip file far too small for what its header claims fails before allocating anything
        Path huge = TestFiles.write(tmp.resolve("huge.gz"), TestFiles.gzip(TestFiles.idxImages(100_000_000, 2, 10, new byte[0])));
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readImages(huge, null)).getMessage()
                .contains("corrupt header"));
    }

    @Test
    void corruptGzipAndMissingFile() {
        byte[] gz = TestFiles.gzip(imagesBytes);
        for (int i = 20; i < gz.length - 8; i++) {
            gz[i] = (byte) 0xff;
        }
        Path file = TestFiles.write(tmp.resolve("corrupt.gz"), gz);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(file, null));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());

        Path missing = tmp.resolve("nope");
        assertTrue(assertThrows(DataException.class, () -> IdxReader.readLabels(missing, null)).getMessage()
                .startsWith(missing + ": file not found"));
    }

    /** Dimensions whose product overflows a long (here 50,333,699^3) are refused as too large, not wrapped around. */
    @Test
    void dimensionsWhoseProductOverflowsAreRefused() {
        int d = 0x03000803;
        Path file = TestFiles.write(tmp.resolve("overflow.gz"), TestFiles.gzip(java.nio.ByteBuffer.allocate(16 + 64)
                .putInt(IdxReader.IMAGES_MAGIC).putInt(d).putInt(d).putInt(d).array()));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(file, null));
        assertTrue(e.getMessage().contains("is too large for one array"), e.getMessage());
    }
}
