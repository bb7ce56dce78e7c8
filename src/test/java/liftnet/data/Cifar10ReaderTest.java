package liftnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10ReaderTest {

    /** Float rounding of a value in [0, 1] computed in double. */
    private static final float TOL_F32 = 1e-7f;

    @TempDir
    Path tmp;

    @Test
    void grayscaleUsesBt601LumaOnTwoRecords() {
        byte[] red = TestFiles.cifarRecord(3, 255, 0, 0);
        TestFiles.setPixel(red, 5, 10, 20, 30);
        TestFiles.setPixel(red, 1023, 255, 255, 255);
        byte[] blue = TestFiles.cifarRecord(9, 0, 0, 255);
        TestFiles.setPixel(blue, 32, 0, 255, 0);
        TestFiles.setPixel(blue, 1, 0, 0, 0);
        Path file = TestFiles.write(tmp.resolve("test_batch.bin"), TestFiles.concat(red, blue));

        Dataset d = Cifar10Reader.read("cifar10/test", List.of(file));
        assertEquals("cifar10/test", d.name());
        assertEquals(2, d.count());
        assertEquals(1024, d.width());
        assertEquals(10, d.classes());
        assertArrayEquals(new int[] {3, 9}, d.labels());
        float[] x = d.inputs();
        assertEquals(0.299f, x[0], TOL_F32);
        assertEquals(0.299f, x[1022], TOL_F32);
        assertEquals((0.299 * 10 + 0.587 * 20 + 0.114 * 30) / 255, x[5], TOL_F32);
        assertEquals(1f, x[1023], TOL_F32);
        assertTrue(x[1023] <= 1f);
        assertEquals(0.114f, x[1024], TOL_F32);
        assertEquals(0f, x[1024 + 1]);
        assertEquals(0.587f, x[1024 + 32], TOL_F32);
        assertEquals(0.114f, x[2047], TOL_F32);
    }

    @Test
    void lumaOfRandomPixelsStaysInUnitRange() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            int r = rnd.nextInt(256);
            int g = rnd.nextInt(256);
            int b = rnd.nextInt(256);
            float y = Cifar10Reader.luma(r, g, b);
            assertTrue(y >= 0f && y <= 1f, r + "," + g + "," + b + " -> " + y);
            assertEquals((0.299 * r + 0.587 * g + 0.114 * b) / 255, y, TOL_F32);
        }
        assertEquals(1f, Cifar10Reader.luma(255, 255, 255));
    }

    @Test
    void badRecordLengthIsAnError() {
        byte[] rec = TestFiles.cifarRecord(1, 1, 2, 3);
        Path file = TestFiles.write(tmp.resolve("data_batch_1.bin"), TestFiles.concat(rec, new byte[100]));
        DataException e = assertThrows(DataException.class, () -> Cifar10Reader.read("x", List.of(file)));
        assertTrue(e.getMessage().startsWith(file + ": 3173 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("3073"), e.getMessage());

        Path empty = TestFiles.write(tmp.resolve("empty.bin"), new byte[0]);
        assertThrows(DataException.class, () -> Cifar10Reader.read("x", List.of(empty)));
    }

    @Test
    void labelOutsideTenClassesIsAnError() {
        Path file = TestFiles.write(tmp.resolve("b.bin"), TestFiles.cifarRecord(10, 0, 0, 0));
        assertTrue(assertThrows(DataException.class, () -> Cifar10Reader.read("x", List.of(file))).getMessage()
                .contains("label 10"));
    }

    @Test
    void loadsSplitsFromTheFolderOrItsSubfolder() {
        Path sub = tmp.resolve("cifar").resolve(Cifar10Reader.SUBFOLDER);
        for (int i = 0; i < 5; i++) {
            TestFiles.write(sub.resolve(Cifar10Reader.TRAIN_FILES.get(i)), TestFiles.cifarRecord(i, i, i, i));
        }
        TestFiles.write(sub.resolve("test_batch.bin"),
                TestFiles.concat(TestFiles.cifarRecord(7, 0, 0, 0), TestFiles.cifarRecord(8, 0, 0, 0)));

        Dataset train = DataSets.load(DatasetId.CIFAR10, tmp.resolve("cifar"), Split.TRAIN);
        assertEquals("cifar10/train", train.name());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, train.labels());
        assertEquals(Cifar10Reader.luma(4, 4, 4), train.inputs()[4 * 1024 + 17]);
        Dataset test = DataSets.load(DatasetId.CIFAR10, sub, Split.TEST);
        assertArrayEquals(new int[] {7, 8}, test.labels());
    }

    @Test
    void missingBatchSaysWhereToGetIt() {
        Path dir = tmp.resolve("cifar");
        TestFiles.write(dir.resolve("test_batch.bin"), TestFiles.cifarRecord(0, 0, 0, 0));
        DataException e = assertThrows(DataException.class, () -> DataSets.load(DatasetId.CIFAR10, dir, Split.TRAIN));
        assertTrue(e.getMessage().contains("data_batch_1.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("cifar-10-binary.tar.gz"), e.getMessage());
    }

    /** In colour a sample is the three planes as stored, channel-major, each byte / 255: what a 3x32x32 net reads. */
    @Test
    void colourKeepsThePlanesChannelMajor() {
        byte[] a = TestFiles.cifarRecord(3, 255, 0, 51);
        TestFiles.setPixel(a, 5, 10, 20, 30);
        byte[] b = TestFiles.cifarRecord(9, 0, 102, 255);
        Path file = TestFiles.write(tmp.resolve("test_batch.bin"), TestFiles.concat(a, b));

        Dataset d = Cifar10Reader.read("cifar10/test", List.of(file), 3);
        assertEquals(2, d.count());
        assertEquals(3072, d.width());
        assertArrayEquals(new int[] {3, 9}, d.labels());
        float[] x = d.inputs();
        assertEquals(1f, x[0]);
        assertEquals(0f, x[1024]);
        assertEquals(0.2f, x[2048], TOL_F32);
        assertEquals(10 / 255f, x[5], TOL_F32);
        assertEquals(20 / 255f, x[1024 + 5], TOL_F32);
        assertEquals(30 / 255f, x[2048 + 5], TOL_F32);
        assertEquals(0f, x[3072]);
        assertEquals(0.4f, x[3072 + 1024 + 700], TOL_F32);
        assertEquals(1f, x[3072 + 2048 + 1023]);

        Dataset grey = DataSets.load(DatasetId.CIFAR10, tmp, Split.TEST, 1);
        assertEquals(1024, grey.width());
        assertEquals(Cifar10Reader.luma(10, 20, 30), grey.inputs()[5]);
        Dataset colour = DataSets.load(DatasetId.CIFAR10, tmp, Split.TEST, 3);
        assertArrayEquals(x, colour.inputs());
        assertThrows(IllegalArgumentException.class, () -> DataSets.load(DatasetId.MNIST, tmp, Split.TEST, 3));
    }

    @Test
    void theNetsInputsDecideTheChannels() {
        assertEquals(1, DatasetId.CIFAR10.channelsOf(1024));
        assertEquals(3, DatasetId.CIFAR10.channelsOf(3072));
        assertEquals(0, DatasetId.CIFAR10.channelsOf(2048));
        assertEquals(1, DatasetId.MNIST.channelsOf(784));
        assertEquals(0, DatasetId.MNIST.channelsOf(3 * 784));
        assertEquals("1024 inputs (3072 in colour)", DatasetId.CIFAR10.inputsText());
        assertEquals("1x32x32 (grey) or 3x32x32 (colour)", DatasetId.CIFAR10.imagesText());
        assertEquals("1x28x28", DatasetId.FASHION_MNIST.imagesText());
    }
}
