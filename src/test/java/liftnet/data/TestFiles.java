package liftnet.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX and CIFAR-10 files for the tests. */
final class TestFiles {

    private TestFiles() {
    }

    /** IDX images file bytes: magic 0x803, count, rows, cols, then the pixels. */
    static byte[] idxImages(int count, int rows, int cols, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols).put(pixels);
        return b.array();
    }

    /** IDX labels file bytes: magic 0x801, count, then the labels. */
    static byte[] idxLabels(byte[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(labels.length).put(labels);
        return b.array();
    }

    static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(data);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] data) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One CIFAR-10 record: the label, then every pixel of the R, G and B planes set to r, g, b. */
    static byte[] cifarRecord(int label, int r, int g, int b) {
        byte[] rec = new byte[Cifar10Reader.RECORD];
        rec[0] = (byte) label;
        for (int p = 0; p < Cifar10Reader.PIXELS; p++) {
            rec[1 + p] = (byte) r;
            rec[1 + Cifar10Reader.PIXELS + p] = (byte) g;
            rec[1 + 2 * Cifar10Reader.PIXELS + p] = (byte) b;
        }
        return rec;
    }

    /** Sets pixel {@code p} of a record to r, g, b. */
    static void setPixel(byte[] rec, int p, int r, int g, int b) {
        rec[1 + p] = (byte) r;
        rec[1 + Cifar10Reader.PIXELS + p] = (byte) g;
        rec[1 + 2 * Cifar10Reader.PIXELS + p] = (byte) b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
