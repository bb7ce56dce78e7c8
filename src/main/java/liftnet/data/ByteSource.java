package liftnet.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The uncompressed bytes of one file, read once from start to end, SHA-256 hashed on the way. A file that
 * starts with the gzip magic bytes {@code 1f 8b} is decompressed, whatever its name. Every failure becomes a
 * {@link DataException} naming the file, the problem and {@code remedy}. Package-private plumbing of the
 * readers; not thread-safe.
 */
final class ByteSource implements AutoCloseable {

    static final int BUFFER = 1 << 16;

    /** Deflate cannot expand data by more than about 1032:1; a header asking for more is corrupt. */
    private static final long MAX_DEFLATE_RATIO = 1100;

    private final Path file;
    private final String remedy;
    private final InputStream in;
    private final boolean gzip;
    private final long fileSize;
    private final MessageDigest digest;
    private final byte[] word = new byte[4];
    private long position;
    private long expectedLength = -1;

    private ByteSource(Path file, String remedy, InputStream in, boolean gzip, long fileSize) {
        this.file = file;
        this.remedy = remedy;
        this.in = in;
        this.gzip = gzip;
        this.fileSize = fileSize;
        this.digest = newSha256();
    }

    /** Opens {@code file}, detecting gzip by its first two bytes. */
    static ByteSource open(Path file, String remedy) {
        InputStream raw = null;
        try {
            long size = Files.size(file);
            raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gz = b0 == 0x1f && b1 == 0x8b;
            InputStream in = gz ? new GZIPInputStream(raw, BUFFER) : raw;
            return new ByteSource(file, remedy, in, gz, size);
        } catch (NoSuchFileException e) {
            closeQuietly(raw);
            throw new DataException(file + ": file not found; " + remedy, e);
        } catch (EOFException e) {
            closeQuietly(raw);
            throw new DataException(file + ": truncated gzip header; " + remedy, e);
        } catch (ZipException e) {
            closeQuietly(raw);
            throw new DataException(file + ": corrupt gzip data (" + e.getMessage() + "); " + remedy, e);
        } catch (IOException e) {
            closeQuietly(raw);
            throw new DataException(file + ": cannot read (" + e + "); " + remedy, e);
        }
    }

    Path file() {
        return file;
    }

    /** Whether the file is gzip-compressed. */
    boolean compressed() {
        return gzip;
    }

    /** The file's size on disk, compressed or not. */
    long fileSize() {
        return fileSize;
    }

    /** Fails with "problem; remedy" for this file. */
    DataException fail(String problem) {
        return new DataException(file + ": " + problem + "; " + remedy);
    }

    /**
     * Declares the exact uncompressed length the header implies. Fails at once when the file cannot hold it:
     * a raw file must have exactly that size; a gzip file must be large enough to inflate to it.
     */
    void expectLength(long length) {
        expectedLength = length;
        if (!gzip && fileSize != length) {
            throw fail((fileSize < length ? "truncated" : "too long") + ": the header implies " + length
                    + " bytes, the file has " + fileSize);
        }
        if (gzip && length > fileSize * MAX_DEFLATE_RATIO) {
            throw fail("corrupt header: it implies " + length + " uncompressed bytes, more than " + fileSize
                    + " compressed bytes can hold");
        }
    }

    /** The next big-endian 32-bit integer. */
    int readInt() {
        readFully(word, 0, 4);
        return ((word[0] & 0xff) << 24) | ((word[1] & 0xff) << 16) | ((word[2] & 0xff) << 8) | (word[3] & 0xff);
    }

    /** Reads exactly {@code len} bytes into {@code buf[off ..]}, hashing them; fails if the data ends first. */
    void readFully(byte[] buf, int off, int len) {
        int done = 0;
        try {
            while (done < len) {
                int r = in.read(buf, off + done, len - done);
                if (r < 0) {
                    throw truncated(position + done);
                }
                done += r;
            }
        } catch (EOFException e) {
            throw truncated(position + done);
        } catch (ZipException e) {
            throw fail("corrupt gzip data after " + (position + done) + " bytes (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw fail("cannot read (" + e + ")");
        }
        digest.update(buf, off, len);
        position += len;
    }

    /** Reads and hashes everything that is left. */
    void readToEnd() {
        byte[] buf = new byte[BUFFER];
        try {
            for (int r; (r = in.read(buf)) >= 0; ) {
                digest.update(buf, 0, r);
                position += r;
            }
        } catch (EOFException e) {
            throw truncated(position);
        } catch (ZipException e) {
            throw fail("corrupt gzip data after " + position + " bytes (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw fail("cannot read (" + e + ")");
        }
    }

    /** Fails if any byte follows the ones read so far. */
    void expectEnd() {
        try {
            if (in.read() >= 0) {
                throw fail("too long: more than the " + position + " bytes its header implies");
            }
        } catch (EOFException e) {
            throw truncated(position);
        } catch (ZipException e) {
            throw fail("corrupt gzip data at the end (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw fail("cannot read (" + e + ")");
        }
    }

    /** Lower-case hex SHA-256 of all bytes read so far (call once, at the end). */
    String sha256() {
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Checks the SHA-256 of all bytes read against {@code expected} (hex, any case); {@code null} skips the
     * check. Call after {@link #expectEnd()}.
     */
    void verify(String expected) {
        if (expected == null) {
            return;
        }
        String found = sha256();
        if (!found.equals(expected.toLowerCase(Locale.ROOT))) {
            throw new ChecksumMismatch(file + ": SHA-256 mismatch of the uncompressed bytes: expected " + expected
                    + ", found " + found + "; " + remedy, found);
        }
    }

    /** A file whose bytes are not the expected ones; {@link #found()} lets the caller say what the file is instead. */
    static final class ChecksumMismatch extends DataException {
        private static final long serialVersionUID = 1L;
        private final String found;

        ChecksumMismatch(String message, String found) {
            super(message);
            this.found = found;
        }

        /** Lower-case hex SHA-256 of the file's uncompressed bytes. */
        String found() {
            return found;
        }
    }

    private DataException truncated(long got) {
        String expected = expectedLength >= 0 ? "expected " + expectedLength + " bytes, " : "";
        return fail("truncated: " + expected + "the " + (gzip ? "uncompressed data" : "file") + " ends after " + got
                + " bytes");
    }

    @Override
    public void close() {
        closeQuietly(in);
    }

    private static void closeQuietly(InputStream s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing was written; a failed close of a read-only stream loses nothing
            }
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
