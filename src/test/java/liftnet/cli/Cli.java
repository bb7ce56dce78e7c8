package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link Main} in-process with captured stdout and stderr; {@link MnistRuns} is the fixture of the tests that train. */
final class Cli {

    /** The MNIST folder of the project (tests run from the project root). */
    static final Path MNIST = Path.of("data", "mnist");

    private Cli() {
    }

    /**
     * What one run printed and returned.
     *
     * @param code exit status
     * @param out  everything written to stdout
     * @param err  everything written to stderr
     */
    record Result(int code, String out, String err) {

        /** The lines of stderr that are neither blank nor progress-bar frames. */
        List<String> errLines() {
            return Arrays.stream(err.split("[\r\n]+")).filter(l -> !l.isBlank())
                    .filter(l -> !l.matches("^epoch \\d+/\\d+ .*samples.*")).toList();
        }

        /** The single error line, after checking that it is the only message and carries no stack trace. */
        String error() {
            List<String> errors = errLines().stream().filter(l -> l.startsWith("error: ")).toList();
            assertEquals(1, errors.size(), "exactly one error line expected; stderr was:\n" + err);
            assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace or exception name expected:\n" + err);
            return errors.get(0);
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * {@code train} with {@code base}'s options, then {@code --epochs epochs --out out}, then {@code extra} (later options
     * override earlier ones).
     */
    static Result train(String[] base, Path out, int epochs, String... extra) {
        return run(concat(concat(base, "--epochs", Integer.toString(epochs), "--out", out.toString()), extra));
    }

    /**
     * Runs {@code command} as after a first Ctrl-C: with the stop signal raised, so that a training run stops once its
     * current epoch is saved; the signal is cleared again afterwards.
     */
    static Result interrupted(java.util.function.Supplier<Result> command) {
        StopSignal.request();
        try {
            return command.get();
        } finally {
            StopSignal.reset();
        }
    }

    /** {@code first}, then {@code then}: a new array. */
    static String[] concat(String[] first, String... then) {
        String[] all = Arrays.copyOf(first, first.length + then.length);
        System.arraycopy(then, 0, all, first.length, then.length);
        return all;
    }

    /** The lines of a run folder's {@code metrics.jsonl}, one object per epoch. */
    static List<JsonObject> metrics(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(l -> JsonParser.parseString(l).getAsJsonObject())
                .toList();
    }

    /** Fails the test unless the real MNIST files are in data/mnist (mvn test fetches them first). */
    static void requireMnist() {
        liftnet.TestData.mnist();
    }

    static void assertUsageError(Result r, String... fragments) {
        assertEquals(Errors.USAGE, r.code(), r::toString);
        assertMessage(r, fragments);
    }

    static void assertMessage(Result r, String... fragments) {
        String line = r.error();
        for (String f : fragments) {
            assertTrue(line.contains(f), "error line should contain '" + f + "': " + line);
        }
        assertEquals("", r.out(), "nothing on stdout after an error");
    }

    /**
     * The fixture of the test classes that train on real MNIST through the commands: a temporary folder {@link #tmp},
     * the data required before each test, and the stop signal cleared before and after each (tests interrupt runs with
     * it).
     */
    abstract static class MnistRuns {

        @TempDir
        Path tmp;

        @BeforeEach
        void mnist() {
            requireMnist();
            StopSignal.reset();
        }

        @AfterEach
        void reset() {
            StopSignal.reset();
        }
    }
}
