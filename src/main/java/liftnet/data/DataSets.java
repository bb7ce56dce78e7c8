package liftnet.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Loads a {@link DatasetId} from a folder into a {@link Dataset}.
 *
 * <p>MNIST and Fashion-MNIST folders hold the four standard IDX files ({@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}), each
 * plain or with a {@code .gz} suffix (plain wins if both exist). Every file's uncompressed bytes must have
 * the SHA-256 of the official release, checked while it is read (MNIST's training files may instead be the GPU
 * bundle's subset, {@link #MNIST_TRAIN_SUBSET}, with its own SHA-256). A CIFAR-10 folder holds the binary batches,
 * directly or in the {@code cifar-10-batches-bin} subfolder (see {@link Cifar10Reader}).
 *
 * <p>Convention: the data of {@code id} lives in {@code data/<id.key()>} under the project root, where
 * {@code scripts/fetch-data.sh} puts MNIST and Fashion-MNIST. The data set is named {@code <key>/<split>},
 * e.g. {@code mnist/train}.
 */
public final class DataSets {

    /** The folder, relative to the project root, that holds one folder per data set. */
    public static final Path DATA_ROOT = Path.of("data");

    /** File name (without {@code .gz}) and SHA-256 of its uncompressed bytes. */
    record IdxFile(String name, String sha256) {
    }

    /**
     * Samples of the MNIST training subset that {@code scripts/gpu-bundle.sh} carries to a GPU machine (the first
     * 10,000, in IDX files whose count says 10,000): a folder holding it loads as {@code mnist/train} of that size.
     */
    public static final int MNIST_TRAIN_SUBSET = 10_000;

    private static final List<IdxFile> MNIST_TRAIN_SUBSET_FILES = List.of(
            new IdxFile("train-images-idx3-ubyte", "2889698e6bc3614913e76901316712919d1998fc2b44512451bfe65bc1e668b1"),
            new IdxFile("train-labels-idx1-ubyte", "651e38e2ac0632f5113ec18f1df4977117f953197819034009971a6675a0df78"));

    private DataSets() {
    }

    /**
     * The conventional folder of {@code id} relative to the working directory, {@code data/<key>}: right when
     * the program runs from the project root.
     */
    public static Path defaultDir(DatasetId id) {
        return DATA_ROOT.resolve(id.key());
    }

    /**
     * Loads one split of a data set.
     *
     * @param id    which data set
     * @param dir   its folder, e.g. {@link #defaultDir(DatasetId)}
     * @param split train or test
     * @return {@code id.width()} inputs in {@code [0, 1]} and a label in {@code [0, id.classes())} per sample
     * @throws DataException if the folder or a file is missing, malformed or fails its checksum; the message
     *                       says how to fetch it
     */
    public static Dataset load(DatasetId id, Path dir, Split split) {
        return load(id, dir, split, 1);
    }

    /**
     * Loads one split of a data set with {@code channels} image channels: 1 (grayscale, {@code id.width()} inputs), or
     * {@code id.colourChannels()} (colour, channel-major planes, {@code channels * id.width()} inputs).
     *
     * @throws IllegalArgumentException if the data set has no such channels
     * @see #load(DatasetId, Path, Split)
     */
    public static Dataset load(DatasetId id, Path dir, Split split, int channels) {
        if (channels != 1 && channels != id.colourChannels()) {
            throw new IllegalArgumentException(id.key() + " has images of " + id.imagesText() + "; found " + channels
                    + " channels asked for");
        }
        String name = id.key() + "/" + split.key();
        if (!Files.isDirectory(dir)) {
            throw new DataException(name + ": data folder " + dir + " does not exist; " + fetchHint(id, dir));
        }
        return switch (id) {
            case MNIST, FASHION_MNIST -> loadIdx(id, dir, split, name);
            case CIFAR10 -> loadCifar(dir, split, name, channels);
        };
    }

    /**
     * Whether every file of {@code id} is checked against the SHA-256 of its official release while it is read (the
     * IDX data sets; a CIFAR-10 folder is the user's own), so that any folder that loads holds the same bytes.
     */
    public static boolean checkedBySha256(DatasetId id) {
        return id != DatasetId.CIFAR10;
    }

    /** How to get the files of {@code id} into {@code dir}, for error messages. */
    static String fetchHint(DatasetId id, Path dir) {
        return id == DatasetId.CIFAR10 ? Cifar10Reader.FETCH_HINT
                : "run " + fetchCommand(id, dir) + " (or pass --data DIR with the IDX files)";
    }

    /**
     * The {@code scripts/fetch-data.sh} command that puts {@code id}'s files into {@code dir}: plain for the project's
     * {@code data/<key>} (relative to the system property {@code liftnet.home}, which {@code run.sh} sets), with
     * {@code --to DIR} for any other folder.
     */
    static String fetchCommand(DatasetId id, Path dir) {
        Path home = Path.of(System.getProperty("liftnet.home", "")).toAbsolutePath();
        Path folder = dir.toAbsolutePath().normalize();
        String command = "scripts/fetch-data.sh " + id.key();
        if (folder.equals(home.resolve(DATA_ROOT).resolve(id.key()).normalize())) {
            return command;
        }
        String text = folder.toString();
        return command + " --to " + (text.matches("[\\w./+:@%=-]+") ? text : "'" + text.replace("'", "'\\''") + "'");
    }

    /** The images file and the labels file of a split of MNIST or Fashion-MNIST. */
    static List<IdxFile> idxFiles(DatasetId id, Split split) {
        boolean train = split == Split.TRAIN;
        return switch (id) {
            case MNIST -> train
                    ? List.of(new IdxFile("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
                              new IdxFile("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"))
                    : List.of(new IdxFile("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
                              new IdxFile("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"));
            case FASHION_MNIST -> train
                    ? List.of(new IdxFile("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
                              new IdxFile("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"))
                    : List.of(new IdxFile("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
                              new IdxFile("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"));
            case CIFAR10 -> throw new IllegalArgumentException("cifar10 has no IDX files");
        };
    }

    /**
     * The data set and file whose official bytes have SHA-256 {@code sha256}, or null: lets a checksum failure say what
     * a folder holds instead of advising to replace (and so lose) another data set.
     */
    static KnownFile identify(String sha256) {
        for (DatasetId id : DatasetId.values()) {
            if (!checkedBySha256(id)) {
                continue;
            }
            for (Split split : Split.values()) {
                for (IdxFile f : idxFiles(id, split)) {
                    if (f.sha256().equals(sha256)) {
                        return new KnownFile(id, f.name());
                    }
                }
            }
        }
        return null;
    }

    /** An official file of a data set: {@code mnist}'s {@code train-images-idx3-ubyte}. */
    record KnownFile(DatasetId dataset, String name) {
    }

    private static Dataset loadIdx(DatasetId id, Path dir, Split split, String name) {
        List<IdxFile> official = idxFiles(id, split);
        // fetch-data.sh replaces a damaged file (and refuses to touch one of another data set)
        String remedy = "run " + fetchCommand(id, dir) + " to replace it";
        Path imagesFile = locate(id, dir, official.get(0).name());
        Path labelsFile = locate(id, dir, official.get(1).name());
        // the GPU bundle's MNIST training subset (scripts/gpu-bundle.sh) has its own checksums
        List<IdxFile> files = id == DatasetId.MNIST && split == Split.TRAIN && countIn(imagesFile, remedy) == MNIST_TRAIN_SUBSET
                ? MNIST_TRAIN_SUBSET_FILES : official;
        IdxReader.Images images = checked(id, dir, imagesFile, () -> IdxReader.readImages(imagesFile, files.get(0).sha256(), remedy));
        int[] labels = checked(id, dir, labelsFile, () -> IdxReader.readLabels(labelsFile, files.get(1).sha256(), remedy));
        if (images.width() != id.width()) {
            throw new DataException(imagesFile + ": images are " + images.rows() + " x " + images.cols() + ", expected "
                    + id.width() + " pixels; " + remedy);
        }
        if (labels.length != images.count()) {
            throw new DataException(labelsFile + ": " + labels.length + " labels for " + images.count() + " images in "
                    + imagesFile + "; " + remedy);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= id.classes()) {
                throw new DataException(labelsFile + ": label " + labels[i] + " of sample " + i + " is outside 0.."
                        + (id.classes() - 1) + "; " + remedy);
            }
        }
        return new Dataset(name, images.count(), images.width(), id.classes(), images.pixels(), labels);
    }

    /**
     * {@code read}, with a checksum failure of a file that is an official file of another data set (or another file of
     * this one) reported as that: which data set the folder holds and how to use it, never "replace it".
     */
    private static <T> T checked(DatasetId id, Path dir, Path file, Supplier<T> read) {
        try {
            return read.get();
        } catch (ByteSource.ChecksumMismatch e) {
            KnownFile known = identify(e.found());
            if (known == null) {
                throw e;
            }
            if (known.dataset() == id) {
                throw new DataException(file + ": holds " + id.key() + "'s " + known.name() + " (by its SHA-256), not "
                        + file.getFileName() + "; give the files of " + dir + " their standard names", e);
            }
            String other = known.dataset().key();
            throw new DataException(file + ": this is " + other + " (its " + known.name() + ", by SHA-256), not " + id.key()
                    + "; pass --dataset " + other + " to use " + dir + ", or --data with a folder of " + id.key()
                    + " (" + fetchCommand(id, projectDir(id)) + " fetches it)", e);
        }
    }

    /** Where to fetch {@code id} when {@code dir} holds another data set: the project's {@code data/<key>}. */
    private static Path projectDir(DatasetId id) {
        Path home = Path.of(System.getProperty("liftnet.home", "")).toAbsolutePath();
        return home.resolve(DATA_ROOT).resolve(id.key());
    }

    /** {@code dir/name}, else {@code dir/name.gz}. */
    private static Path locate(DatasetId id, Path dir, String name) {
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        throw new DataException(plain + ": file not found (nor " + gz.getFileName() + "); " + fetchHint(id, dir));
    }

    /** The sample count in an IDX file's header (the second int), read without the rest of the file. */
    private static int countIn(Path file, String remedy) {
        try (ByteSource in = ByteSource.open(file, remedy)) {
            in.readInt();
            return in.readInt();
        }
    }

    private static Dataset loadCifar(Path dir, Split split, String name, int channels) {
        Path folder = Cifar10Reader.batchFolder(dir);
        List<Path> files = new ArrayList<>();
        for (String f : Cifar10Reader.files(split)) {
            files.add(folder.resolve(f));
        }
        return Cifar10Reader.read(name, files, channels);
    }
}
