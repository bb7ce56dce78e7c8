package liftnet.data;

import java.nio.file.Path;

/** SHA-256 of a file's uncompressed bytes, the same value {@code zcat FILE | sha256sum} prints for gzip. */
public final class Sha256 {

    private Sha256() {
    }

    /**
     * Lower-case hex SHA-256 of the bytes of {@code file}, decompressed first if it starts with the gzip magic
     * {@code 1f 8b}.
     *
     * @throws DataException if the file cannot be read or its gzip data is corrupt or truncated
     */
    public static String ofUncompressed(Path file) {
        try (ByteSource in = ByteSource.open(file, IdxReader.DEFAULT_REMEDY)) {
            in.readToEnd();
            return in.sha256();
        }
    }
}
