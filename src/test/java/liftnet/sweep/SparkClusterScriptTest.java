package liftnet.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code scripts/spark-cluster.sh --help}: the whole header on stdout, exit 0; an unknown command: stderr, exit 2. */
class SparkClusterScriptTest {

    private static final Path SCRIPT = Path.of("scripts", "spark-cluster.sh");

    private record Ran(int code, String out, String err) {
    }

    private static Ran run(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("spark-cluster", ".out");
        Path err = Files.createTempFile("spark-cluster", ".err");
        try {
            String[] command = new String[args.length + 1];
            command[0] = SCRIPT.toString();
            System.arraycopy(args, 0, command, 1, args.length);
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            int code = p.waitFor();
            return new Ran(code, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void helpGoesToStdoutWhole() throws Exception {
        Ran help = run("--help");
        assertEquals(0, help.code(), help::toString);
        assertEquals("", help.err());
        assertTrue(help.out().startsWith("A Spark standalone cluster"), help.out());
        assertTrue(help.out().strip().endsWith("(Spark 4.0 runs on Java 17 and 21)."), "ends with the header's last sentence:\n"
                + help.out());
        assertTrue(help.out().contains("kill-worker K --dir DIR") && help.out().contains("stop --dir DIR"), help.out());
    }

    @Test
    void anUnknownCommandIsAnErrorOnStderr() throws Exception {
        Ran bad = run("bogus");
        assertEquals(2, bad.code(), bad::toString);
        assertEquals("", bad.out());
        assertTrue(bad.err().startsWith("spark-cluster.sh: error: unknown command 'bogus'"), bad.err());
    }
}
