package liftnet;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import liftnet.data.DataSets;
import liftnet.data.DatasetId;

/**
 * The real data sets the tests read from the project's {@code data/}. {@code mvn test} fetches MNIST and Fashion-MNIST
 * there before any test runs ({@code scripts/fetch-data.sh all}, bound to the build), so a missing data set is a
 * failure of the test, never a reason to skip it.
 */
public final class TestData {

    private TestData() {
    }

    /** {@code data/mnist}, after checking that it holds MNIST's test labels (the last file fetched). */
    public static Path mnist() {
        return require(DatasetId.MNIST);
    }

    /** {@code data/fashion-mnist}, checked as {@link #mnist()}. */
    public static Path fashionMnist() {
        return require(DatasetId.FASHION_MNIST);
    }

    private static Path require(DatasetId id) {
        Path dir = DataSets.defaultDir(id);
        if (!Files.isRegularFile(dir.resolve("t10k-labels-idx1-ubyte"))
                && !Files.isRegularFile(dir.resolve("t10k-labels-idx1-ubyte.gz"))) {
            fail(id.key() + " not found in " + dir.toAbsolutePath() + ": mvn test fetches it before the tests"
                    + " (unless -Dliftnet.skipFetch); elsewhere run scripts/fetch-data.sh " + id.key());
        }
        return dir;
    }
}
