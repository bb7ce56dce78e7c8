package liftnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import liftnet.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MNIST training subset of the GPU bundle ({@code scripts/gpu-bundle.sh} writes it the same way: the IDX header
 * with the count {@link DataSets#MNIST_TRAIN_SUBSET}, then the first samples): it loads as the first samples of the
 * full set, and one changed byte fails its checksum as the full files do.
 */
class MnistSubsetTest {

    private static final int N = DataSets.MNIST_TRAIN_SUBSET;

    @Test
    void theBundlesSubsetLoadsAsTheFirstSamplesOfTheTrainingSet(@TempDir Path dir) throws IOException {
        Path mnist = TestData.mnist();
        writeSubset(mnist, dir, -1);
        Dataset subset = DataSets.load(DatasetId.MNIST, dir, Split.TRAIN);
        Dataset full = DataSets.load(DatasetId.MNIST, mnist, Split.TRAIN);
        assertEquals(N, subset.count());
        assertArrayEquals(Arrays.copyOf(full.labels(), N), subset.labels());
        assertArrayEquals(Arrays.copyOf(full.inputs(), N * 784), subset.inputs());
    }

    @Test
    void aChangedPixelFailsTheSubsetsChecksum(@TempDir Path dir) throws IOException {
        writeSubset(TestData.mnist(), dir, 16 + 784 * 123 + 400);
        DataException e = assertThrows(DataException.class, () -> DataSets.load(DatasetId.MNIST, dir, Split.TRAIN));
        assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
    }

    /** The subset's two training files, gzipped, in {@code dir}; the byte at {@code flip} of the images (if >= 0) changed. */
    private static void writeSubset(Path mnist, Path dir, int flip) throws IOException {
        byte[] images = read(mnist, "train-images-idx3-ubyte", 16 + N * 784);
        byte[] labels = read(mnist, "train-labels-idx1-ubyte", 8 + N);
        ByteBuffer.wrap(images).putInt(4, N);
        ByteBuffer.wrap(labels).putInt(4, N);
        if (flip >= 0) {
            images[flip] ^= 1;
        }
        write(dir.resolve("train-images-idx3-ubyte.gz"), images);
        write(dir.resolve("train-labels-idx1-ubyte.gz"), labels);
    }

    private static byte[] read(Path mnist, String name, int bytes) throws IOException {
        Path plain = mnist.resolve(name);
        try (var in = Files.isRegularFile(plain) ? Files.newInputStream(plain)
                : new java.util.zip.GZIPInputStream(Files.newInputStream(mnist.resolve(name + ".gz")))) {
            return in.readNBytes(bytes);
        }
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes);
        }
    }
}
