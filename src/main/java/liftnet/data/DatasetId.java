package liftnet.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The data sets liftnet knows, with the shape of their samples: MNIST and Fashion-MNIST (28 x 28 = 784
 * inputs), CIFAR-10 converted to grayscale (32 x 32 = 1024 inputs) or in colour (3 x 32 x 32 = 3072 inputs, when the
 * net's input asks for it: {@link #channelsOf(int)}); ten classes each.
 */
public enum DatasetId {
    MNIST("mnist", 784, 1, 10),
    FASHION_MNIST("fashion-mnist", 784, 1, 10),
    CIFAR10("cifar10", 1024, 3, 10);

    private final String key;
    private final int width;
    private final int colourChannels;
    private final int classes;

    DatasetId(String key, int width, int colourChannels, int classes) {
        this.key = key;
        this.width = width;
        this.colourChannels = colourChannels;
        this.classes = classes;
    }

    /** The name used on the command line, by {@code scripts/fetch-data.sh} and as folder name: {@code mnist}. */
    public String key() {
        return key;
    }

    /** Inputs per sample in grayscale (the pixels of an image): 784 or 1024. */
    public int width() {
        return width;
    }

    /** Channels of the images in colour: 3 for CIFAR-10, 1 for the grayscale-only sets. */
    public int colourChannels() {
        return colourChannels;
    }

    /**
     * The channels a net with {@code inputs} inputs reads: 1 (grayscale) for {@link #width()} inputs, 3 (colour) for
     * {@code 3 width()} where the set has colour, else 0 (the net does not fit the set).
     */
    public int channelsOf(int inputs) {
        if (inputs == width) {
            return 1;
        }
        return colourChannels > 1 && inputs == colourChannels * width ? colourChannels : 0;
    }

    /** The input widths a net may have, for messages: {@code 784 inputs}, or {@code 1024 inputs (3072 in colour)}. */
    public String inputsText() {
        return width + " inputs" + (colourChannels == 1 ? "" : " (" + colourChannels * width + " in colour)");
    }

    /** The images a net may read, for messages: {@code 1x28x28}, or {@code 1x32x32 (grey) or 3x32x32 (colour)}. */
    public String imagesText() {
        int side = (int) Math.round(Math.sqrt(width));
        String grey = "1x" + side + "x" + side;
        return colourChannels == 1 ? grey : grey + " (grey) or " + colourChannels + "x" + side + "x" + side + " (colour)";
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
