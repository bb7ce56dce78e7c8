package liftnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The repository's tracked files stay at most {@link #LIMIT_BYTES}: a GPU machine without network receives them
 * together with the GPU bundle ({@code scripts/gpu-bundle.sh}, at most 30 MB too) in 64 MiB at most. On failure the
 * message lists the largest top-level folders and files, so that what grew can be found.
 */
class TrackedFilesSizeTest {

    static final long LIMIT_BYTES = 30_000_000;

    @Test
    void trackedFilesStayUnder30MB() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        assumeTrue(Files.isDirectory(root.resolve(".git")) || Files.isRegularFile(root.resolve(".git")),
                "not a git checkout (" + root + "): no tracked files to measure");
        Process p = new ProcessBuilder("git", "ls-files", "-z").directory(root.toFile()).redirectErrorStream(false).start();
        byte[] listing = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "git ls-files did not end within 60 s");
        assertEquals(0, p.exitValue(), "git ls-files: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        long total = 0;
        Map<String, Long> byTop = new TreeMap<>();
        List<Map.Entry<String, Long>> files = new ArrayList<>();
        for (String name : new String(listing, StandardCharsets.UTF_8).split("\0")) {
            Path f = root.resolve(name);
            if (name.isEmpty() || !Files.isRegularFile(f)) {
                continue; // deleted in the working tree, or a submodule
            }
            long size = Files.size(f);
            total += size;
            byTop.merge(name.contains("/") ? name.substring(0, name.indexOf('/')) : name, size, Long::sum);
            files.add(Map.entry(name, size));
        }
        files.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
        assertTrue(total <= LIMIT_BYTES, "the tracked files hold " + total + " bytes, more than " + LIMIT_BYTES
                + "; by folder: " + byTop + "; largest files: " + files.subList(0, Math.min(10, files.size())));
    }
}
