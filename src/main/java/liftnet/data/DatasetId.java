package liftnet.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The data sets liftnet knows, with the shape of their samples: MNIST and Fashion-MNIST (28 x 28 = 784
 * inputs), CIFAR-10 converted to grayscale (32 x 32 = 1024 inputs); ten classes each.
 */
public enum DatasetId {
    MNIST("mnist", 784, 10),
    FASHION_MNIST("fashion-mnist", 784, 10),
    CIFAR10("cifar10", 1024, 10);

    private final String key;
    private final int width;
    private final int classes;

    DatasetId(String key, int width, int classes) {
        this.key = key;
        this.width = width;
        this.classes = classes;
    }

    /** The name used on the command line, by {@code scripts/fetch-data.sh} and as folder name: {@code mnist}. */
    public String key() {
        return key;
    }

    /** Inputs per sample. */
    public int width() {
        return width;
    }

    /** Number of classes (labels are {@code 0 .. classes-1}). */
    public int classes() {
        return classes;
    }

    /** The conventional folder of this data set under a project root: {@code root/data/<key>}. */
    public Path defaultDir(Path projectRoot) {
        return projectRoot.resolve("data").resolve(key);
    }

    /**
     * The data set named {@code mnist}, {@code fashion-mnist} or {@code cifar10} (case and surrounding blanks
     * ignored).
     *
     * @throws IllegalArgumentException for any other name; the message lists the valid ones
     */
    public static DatasetId parse(String name) {
        String k = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (DatasetId id : values()) {
            if (id.key.equals(k)) {
                return id;
            }
        }
        throw new IllegalArgumentException("unknown data set '" + name + "': expected one of " + keys());
    }

    /** The valid names, comma-separated: {@code mnist, fashion-mnist, cifar10}. */
    public static String keys() {
        return Arrays.stream(values()).map(DatasetId::key).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return key;
    }
}
