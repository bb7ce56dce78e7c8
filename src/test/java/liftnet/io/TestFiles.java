package liftnet.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds hand-made safetensors files for tests. */
final class TestFiles {

    private TestFiles() {
    }

    /** {@code [N as u64 LE][header in UTF-8][data]}, without padding. */
    static Path raw(Path file, String header, byte[] data) throws IOException {
        return raw(file, header.getBytes(StandardCharsets.UTF_8), data);
    }

    static Path raw(Path file, byte[] header, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.write(header);
        out.write(data);
        Files.write(file, out.toByteArray());
        return file;
    }

    /** {@code n} little-endian floats 0, 1, 2, ... as bytes. */
    static byte[] floats(int n) {
        ByteBuffer buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buf.putFloat(i);
        }
        return buf.array();
    }
}
