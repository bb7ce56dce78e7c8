package liftnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import liftnet.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetsTest {

    @TempDir
    Path tmp;

    @Test
    void parsesTheKnownNames() {
        assertEquals(DatasetId.MNIST, DatasetId.parse("mnist"));
        assertEquals(DatasetId.FASHION_MNIST, DatasetId.parse("Fashion-MNIST"));
        assertEquals(DatasetId.CIFAR10, DatasetId.parse(" cifar10 "));
        for (DatasetId id : DatasetId.values()) {
            assertEquals(id, DatasetId.parse(id.key()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetId.parse("cifar100"));
        assertTrue(e.getMessage().contains("cifar100"), e.getMessage());
        assertTrue(e.getMessage().contains("mnist, fashion-mnist, cifar10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DatasetId.parse(null));
    }

    @Test
    void defaultFoldersFollowTheConvention() {
        assertEquals(Path.of("data", "mnist"), DataSets.defaultDir(DatasetId.MNIST));
        assertEquals(Path.of("data", "fashion-mnist"), DataSets.defaultDir(DatasetId.FASHION_MNIST));
        assertEquals(Path.of("/p", "data", "cifar10"), DatasetId.CIFAR10.defaultDir(Path.of("/p")));
        assertEquals(784, DatasetId.MNIST.width());
        assertEquals(1024, DatasetId.CIFAR10.width());
        assertEquals("test", Split.TEST.key());
    }

    @Test
    void missingFolderSaysHowToFetch() {
        Path dir = tmp.resolve("nothing-here");
        DataException e = assertThrows(DataException.class, () -> DataSets.load(DatasetId.MNIST, dir, Split.TRAIN));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("scripts/fetch-data.sh mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("--data DIR"), e.getMessage());
    }

    @Test
    void missingFileSaysHowToFetch() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fashion"));
        DataException e = assertThrows(DataException.class,
                () -> DataSets.load(DatasetId.FASHION_MNIST, dir, Split.TEST));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
        assertTrue(e.getMessage().contains("scripts/fetch-data.sh fashion-mnist"), e.getMessage());
    }

    @Test
    void filesThatAreNotTheOfficialOnesFailTheChecksum() {
        Path dir = tmp.resolve("mnist");
        byte[] images = TestFiles.idxImages(2, 28, 28, new byte[2 * 784]);
        Path imagesFile = TestFiles.write(dir.resolve("t10k-images-idx3-ubyte.gz"), TestFiles.gzip(images));
        TestFiles.write(dir.resolve("t10k-labels-idx1-ubyte"), TestFiles.idxLabels(new byte[] {1, 2}));
        DataException e = assertThrows(DataException.class, () -> DataSets.load(DatasetId.MNIST, dir, Split.TEST));
        String m = e.getMessage();
        assertTrue(m.startsWith(imagesFile + ": SHA-256 mismatch"), m);
        assertTrue(m.contains("expected 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"), m);
        assertTrue(m.contains("found " + TestFiles.sha256(images)), m);
        assertTrue(m.endsWith("run scripts/fetch-data.sh mnist --to " + dir.toAbsolutePath() + " to replace it"), m);
        assertFalse(m.contains("delete"), m);
    }

    @Test
    void aFolderOfAnotherDataSetIsNamedAndNeverToBeReplaced() throws Exception {
        Path fashion = TestData.fashionMnist().toAbsolutePath();
        Path copy = tmp.resolve("fashion");
        Files.createDirectories(copy);
        for (String f : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            Path plain = fashion.resolve(f);
            Files.copy(Files.exists(plain) ? plain : fashion.resolve(f + ".gz"),
                    copy.resolve(Files.exists(plain) ? f : f + ".gz"));
        }
        DataException e = assertThrows(DataException.class, () -> DataSets.load(DatasetId.MNIST, copy, Split.TEST));
        String m = e.getMessage();
        assertTrue(m.contains("this is fashion-mnist (its t10k-images-idx3-ubyte, by SHA-256), not mnist"), m);
        assertTrue(m.contains("pass --dataset fashion-mnist to use " + copy), m);
        assertFalse(m.contains("--to " + copy), "no advice to fetch into (and so replace) the folder: " + m);
        assertFalse(m.contains("delete") || m.contains("replace"), m);
        assertEquals(new DataSets.KnownFile(DatasetId.MNIST, "train-labels-idx1-ubyte"),
                DataSets.identify("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"));
        assertEquals(null, DataSets.identify(TestFiles.sha256(new byte[1])));
    }

    @Test
    void aMisnamedFileOfTheSameDataSetIsNamed() throws Exception {
        Path mnist = TestData.mnist().toAbsolutePath();
        Path copy = Files.createDirectories(tmp.resolve("swapped"));
        for (String[] f : new String[][] {{"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"},
                {"t10k-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"}}) {
            Path plain = mnist.resolve(f[0]);
            boolean gz = !Files.exists(plain);
            Files.copy(gz ? mnist.resolve(f[0] + ".gz") : plain, copy.resolve(gz ? f[1] + ".gz" : f[1]));
        }
        DataException e = assertThrows(DataException.class, () -> DataSets.load(DatasetId.MNIST, copy, Split.TEST));
        assertTrue(e.getMessage().contains("holds mnist's train-images-idx3-ubyte (by its SHA-256), not t10k-images-idx3-ubyte"),
                e.getMessage());
    }

    @Test
    void theFetchCommandNamesTheUsersFolder() {
        Path home = Path.of(System.getProperty("liftnet.home", "")).toAbsolutePath();
        assertEquals("scripts/fetch-data.sh mnist", DataSets.fetchCommand(DatasetId.MNIST, home.resolve("data/mnist")));
        assertEquals("scripts/fetch-data.sh mnist --to /srv/my data/x".replace("/srv/my data/x", "'/srv/my data/x'"),
                DataSets.fetchCommand(DatasetId.MNIST, Path.of("/srv/my data/x")));
        assertEquals("scripts/fetch-data.sh fashion-mnist --to /srv/f", DataSets.fetchCommand(DatasetId.FASHION_MNIST, Path.of("/srv/f")));
    }

    @Test
    void realMnist() {
        Path dir = TestData.mnist();
        checkReal(DataSets.load(DatasetId.MNIST, dir, Split.TRAIN), "mnist/train", 60_000);
        checkReal(DataSets.load(DatasetId.MNIST, dir, Split.TEST), "mnist/test", 10_000);
    }

    @Test
    void realFashionMnist() {
        Path dir = TestData.fashionMnist();
        checkReal(DataSets.load(DatasetId.FASHION_MNIST, dir, Split.TEST), "fashion-mnist/test", 10_000);
    }

    private static void checkReal(Dataset d, String name, int count) {
        assertEquals(name, d.name());
        assertEquals(count, d.count());
        assertEquals(784, d.width());
        assertEquals(10, d.classes());
        assertEquals(count * 784, d.inputs().length);
        int[] perClass = new int[10];
        for (int y : d.labels()) {
            assertTrue(y >= 0 && y < 10, "label " + y);
            perClass[y]++;
        }
        for (int c = 0; c < 10; c++) {
            assertTrue(perClass[c] > count / 20, "class " + c + " has " + perClass[c] + " samples");
        }
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : d.inputs()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
    }

    @Test
    void sampleDrawsDistinctRowsInOrderReproducibly() {
        int count = 100;
        int width = 3;
        float[] x = new float[count * width];
        int[] y = new int[count];
        for (int i = 0; i < count; i++) {
            java.util.Arrays.fill(x, i * width, (i + 1) * width, i);
            y[i] = i % 10;
        }
        Dataset all = new Dataset("t", count, width, 10, x, y);
        Dataset a = all.sample(30, 7);
        assertEquals(30, a.count());
        int previous = -1;
        boolean beyondHead = false;
        for (int i = 0; i < a.count(); i++) {
            int row = (int) a.inputs()[i * width];
            assertTrue(row > previous, "rows in their order and distinct: " + row + " after " + previous);
            assertEquals(row, (int) a.inputs()[i * width + width - 1], "a whole row is copied");
            assertEquals(row % 10, a.labels()[i], "the label travels with its row");
            beyondHead |= row >= 30;
            previous = row;
        }
        assertTrue(beyondHead, "a random draw of 30 of 100 is not the first 30");
        assertArrayEquals(a.inputs(), all.sample(30, 7).inputs(), "the same seed draws the same rows");
        assertFalse(java.util.Arrays.equals(a.inputs(), all.sample(30, 8).inputs()), "another seed draws other rows");
        assertSame(all, all.sample(count, 7));
    }
}
