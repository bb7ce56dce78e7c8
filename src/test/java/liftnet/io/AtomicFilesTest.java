package liftnet.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<Path> listing(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(Path::getFileName).sorted().toList();
        }
    }

    @Test
    void createsThenReplacesLeavingNoTemporaryFiles() throws IOException {
        Path target = dir.resolve("sub/dir/state.json");
        AtomicFiles.writeString(target, "{\"epoch\": 1}");
        assertEquals("{\"epoch\": 1}", Files.readString(target));
        AtomicFiles.writeString(target, "{\"epoch\": 2}");
        assertEquals("{\"epoch\": 2}", Files.readString(target));
        assertEquals(List.of(Path.of("state.json")), listing(target.getParent()));
    }

    @Test
    void failingWriterLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("model.bin");
        AtomicFiles.writeBytes(target, new byte[] {1, 2, 3});
        IOException boom = new IOException("disk full (simulated)");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]);
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals(3, Files.size(target));
        assertEquals(List.of(Path.of("model.bin")), listing(dir));

        RuntimeException bug = new IllegalStateException("bug in writer (simulated)");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
            out.write(7);
            throw bug;
        })));
        assertEquals(3, Files.size(target));
        assertEquals(List.of(Path.of("model.bin")), listing(dir));
    }

    @Test
    void largeContentArrivesComplete() throws IOException {
        Path target = dir.resolve("big.bin");
        byte[] content = new byte[1 << 20];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + (i >>> 8));
        }
        AtomicFiles.write(target, out -> {
            for (int i = 0; i < content.length; i += 1000) {
                out.write(content, i, Math.min(1000, content.length - i));
            }
        });
        assertArrayEquals(content, Files.readAllBytes(target));
        assertEquals(content.length, Files.size(target));
    }
}
