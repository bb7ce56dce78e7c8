package liftnet.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Crash-safe file replacement. {@link #write} runs the writer into a temporary file in the target's
 * directory, forces it to disk ({@link FileChannel#force}), renames it over the target with
 * {@link StandardCopyOption#ATOMIC_MOVE} and finally forces the directory entry to disk where the platform
 * allows it. A crash at any moment leaves either the old file or the complete new one under the target
 * name, never a partial one; at worst a stray {@code .<name>.<random>.tmp} file stays behind.
 */
public final class AtomicFiles {

    /** Writes the whole content of a file into the given stream. */
    @FunctionalInterface
    public interface Writer {
        /**
         * @param out the temporary file; buffered; closed by the caller, not by the writer
         */
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Replaces {@code target} atomically with what {@code writer} writes. Parent directories are created.
     * If the writer or any step fails, the temporary file is deleted, the target is left as it was and the
     * exception propagates.
     *
     * @throws java.nio.file.AtomicMoveNotSupportedException if the file system cannot rename atomically
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null) {
            throw new IOException(target + ": not a file path");
        }
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + absolute.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                writer.write(out);
                out.flush();
                channel.force(true);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            forceDirectory(dir);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** {@link #write} of a UTF-8 string, e.g. a JSON document. */
    public static void writeString(Path target, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /** {@link #write} of the given bytes. */
    public static void writeBytes(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /**
     * Forces a directory's entries to disk, so that a completed rename survives a power loss. Best effort:
     * platforms that cannot open a directory (Windows) skip it.
     */
    static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not supported here (e.g. Windows); the rename itself is still atomic.
        }
    }
}
