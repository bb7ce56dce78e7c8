package liftnet.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the official CIFAR-10 binary batches ({@code data_batch_1.bin .. data_batch_5.bin},
 * {@code test_batch.bin} from {@code cifar-10-binary.tar.gz}), in grayscale or in colour. Each record
 * is 3073 bytes: one label byte ({@code 0..9}), then the 32 x 32 red, green and blue planes, row-major.
 * In grayscale the value of a pixel is the ITU-R BT.601 luma {@code (0.299 R + 0.587 G + 0.114 B) / 255}, in
 * {@code [0, 1]}, and a sample is the 1024 gray values row-major; in colour a sample is the 3072 values
 * {@code byte / 255} of the three planes as stored, the image {@code [3, 32, 32]} flattened channel-major (what a
 * {@code 3x32x32} net reads). A file whose size is not a positive multiple
 * of 3073 bytes, or a label outside {@code 0..9}, is a {@link DataException}. No checksums are known for the
 * single batch files, so none is checked.
 */
public final class Cifar10Reader {

    /** Pixels per image (32 x 32); the width of a grayscale sample. */
    public static final int PIXELS = 32 * 32;
    /** Bytes per record: a label byte and three colour planes. */
    public static final int RECORD = 1 + 3 * PIXELS;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** The training batches, in order. */
    public static final List<String> TRAIN_FILES =
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    /** The test batch. */
    public static final List<String> TEST_FILES = List.of("test_batch.bin");
    /** The folder that {@code cifar-10-binary.tar.gz} unpacks to. */
    public static final String SUBFOLDER = "cifar-10-batches-bin";

    static final String FETCH_HINT = "download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html,"
            + " unpack it into data/cifar10 (or pass --data DIR)";

    private static final double R = 0.299;
    private static final double G = 0.587;
    private static final double B = 0.114;

    private Cifar10Reader() {
    }

    /** The batch files of {@code split}. */
    public static List<String> files(Split split) {
        return split == Split.TRAIN ? TRAIN_FILES : TEST_FILES;
    }

    /**
     * The folder that holds the batches: {@code dir} itself, or its {@code cifar-10-batches-bin} subfolder
     * when {@code dir} does not hold {@code test_batch.bin} but the subfolder does. Returns {@code dir} when
     * neither holds it.
     */
    public static Path batchFolder(Path dir) {
        Path sub = dir.resolve(SUBFOLDER);
        if (!Files.isRegularFile(dir.resolve(TEST_FILES.get(0))) && Files.isRegularFile(sub.resolve(TEST_FILES.get(0)))) {
            return sub;
        }
        return dir;
    }

    /** Gray value of one pixel: {@code (0.299 r + 0.587 g + 0.114 b) / 255}, for {@code r, g, b} in {@code 0..255}. */
    public static float luma(int r, int g, int b) {
        return (float) Math.min(1.0, (R * r + G * g + B * b) / 255.0);
    }

    /** Reads the given batch files, in order, into one grayscale data set: {@link #read(String, List, int)} with 1. */
    public static Dataset read(String name, List<Path> files) {
        return read(name, files, 1);
    }

    /**
     * Reads the given batch files, in order, into one data set, grayscale ({@code channels} 1, {@value #PIXELS} inputs)
     * or colour ({@code channels} 3, {@code 3 x} {@value #PIXELS} inputs, channel-major).
     *
     * @param name     the data set's name, e.g. {@code cifar10/train}
     * @param files    binary batch files; each must be a positive multiple of {@value #RECORD} bytes
     * @param channels 1 or 3
     * @throws DataException if a file is missing, has a bad size or holds a label outside {@code 0..9}
     */
    public static Dataset read(String name, List<Path> files, int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("CIFAR-10 is read with 1 (grayscale) or 3 (colour) channels; found " + channels);
        }
        int width = channels * PIXELS;
        long total = 0;
        long[] records = new long[files.size()];
        for (int f = 0; f < files.size(); f++) {
            records[f] = recordsIn(files.get(f));
            total += records[f];
        }
        if (total * width > Integer.MAX_VALUE - 8) {
            throw new DataException(name + ": " + total + " records do not fit one array; load fewer batch files");
        }
        int count = (int) total;
        float[] inputs = new float[count * width];
        int[] labels = new int[count];
        int sample = 0;
        for (int f = 0; f < files.size(); f++) {
            readBatch(files.get(f), (int) records[f], sample, inputs, labels, channels == 3);
            sample += (int) records[f];
        }
        return new Dataset(name, count, width, CLASSES, inputs, labels);
    }

    private static long recordsIn(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file + ": file not found; " + FETCH_HINT);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e + "); " + FETCH_HINT, e);
        }
        if (size == 0 || size % RECORD != 0) {
            throw new DataException(file + ": " + size + " bytes is not a positive multiple of the " + RECORD
                    + "-byte CIFAR-10 record (1 label + 3 x 1024 pixels): truncated or not a binary batch; delete it and "
                    + FETCH_HINT);
        }
        return size / RECORD;
    }

    /**
     * Reads {@code n} records of {@code file} into samples {@code first ..} of {@code inputs} and {@code labels}, in
     * colour (the three planes) or grayscale.
     */
    private static void readBatch(Path file, int n, int first, float[] inputs, int[] labels, boolean colour) {
        byte[] rec = new byte[RECORD];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), ByteSource.BUFFER)) {
            for (int i = 0; i < n; i++) {
                if (in.readNBytes(rec, 0, RECORD) != RECORD) {
                    throw new DataException(file + ": truncated while reading record " + i + "; delete it and " + FETCH_HINT);
                }
                int label = rec[0] & 0xff;
                if (label >= CLASSES) {
                    throw new DataException(file + ": record " + i + " has label " + label + ", expected 0..9: not a CIFAR-10"
                            + " binary batch (CIFAR-100 has two label bytes); " + FETCH_HINT);
                }
                int s = first + i;
                labels[s] = label;
                if (colour) {
                    int out = s * 3 * PIXELS;
                    for (int p = 0; p < 3 * PIXELS; p++) {
                        inputs[out + p] = (rec[1 + p] & 0xff) / 255f;
                    }
                    continue;
                }
                int out = s * PIXELS;
                for (int p = 0; p < PIXELS; p++) {
                    inputs[out + p] = luma(rec[1 + p] & 0xff, rec[1 + PIXELS + p] & 0xff, rec[1 + 2 * PIXELS + p] & 0xff);
                }
            }
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e + "); " + FETCH_HINT, e);
        }
    }
}
