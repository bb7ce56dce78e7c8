package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The command-line surface: the default subcommand, help and version. */
class MainTest {

    @Test
    void trainIsTheDefaultSubcommand() {
        assertArrayEquals(new String[] {"train", "--net", "784-10"}, Main.withDefaultSubcommand(new String[] {"--net", "784-10"}));
        assertArrayEquals(new String[] {"train"}, Main.withDefaultSubcommand(new String[0]));
        assertArrayEquals(new String[] {"energy", "--model", "m"}, Main.withDefaultSubcommand(new String[] {"energy", "--model", "m"}));
        assertArrayEquals(new String[] {"--help"}, Main.withDefaultSubcommand(new String[] {"--help"}));
    }

    @Test
    void helpListsEverySubcommand() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.code(), r::toString);
        for (String command : new String[] {"train", "evaluate", "energy", "filters"}) {
            assertTrue(r.out().contains(command), r::toString);
        }
    }

    @Test
    void helpKeepsFileNamesWhole() {
        Cli.Result r = Cli.run("train", "--help");
        for (String name : new String[] {"config.json", "model.safetensors", "metrics.jsonl"}) {
            assertTrue(r.out().contains(name), () -> name + " is split in\n" + r.out());
        }
    }

    @Test
    void reportListHasAHeaderThenSevenFieldsPerExperiment() {
        Cli.Result r = Cli.run("report", "--list");
        assertEquals(0, r.code(), r::toString);
        String[] lines = r.out().split("\n");
        assertEquals("# id table dataset net units method epochs", lines[0]);
        assertTrue(lines.length > 10, r::toString);
        for (int i = 1; i < lines.length; i++) {
            assertEquals(7, lines[i].split(" ").length, lines[i]);
        }
    }

    @Test
    void trainHelpListsEveryOption() {
        Cli.Result r = Cli.run("train", "--help");
        assertEquals(0, r.code(), r::toString);
        for (String option : new String[] {"--device", "--net", "--units", "--gamma", "--dataset", "--data", "--method",
                "--epochs", "--batch", "--lr", "--sweeps", "--tol", "--solver", "--warmup-epochs", "--warmup-factor",
                "--seed", "--limit", "--threads", "--out", "--resume"}) {
            assertTrue(r.out().contains(option), () -> option + " missing from\n" + r.out());
        }
    }

    @Test
    void helpOfTheDefaultSubcommand() {
        Cli.Result r = Cli.run("--net", "784-10", "--help");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("--resume"), r::toString);
    }

    @Test
    void version() {
        Cli.Result r = Cli.run("--version");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("liftnet "), r::toString);
    }

    @Test
    void everyHelpRendersWithoutPicocliWarnings() {
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        java.io.PrintStream quiet = new java.io.PrintStream(sink, true, java.nio.charset.StandardCharsets.UTF_8);
        picocli.CommandLine cli = new picocli.CommandLine(new Main(quiet, quiet));
        java.io.PrintStream err = System.err;
        System.setErr(quiet); // picocli's tracer writes its warnings to System.err
        try {
            cli.getUsageMessage();
            for (picocli.CommandLine sub : cli.getSubcommands().values()) {
                sub.getUsageMessage();
            }
        } finally {
            System.setErr(err);
        }
        String written = sink.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(cli.getSubcommands().size() >= 7, "subcommands: " + cli.getSubcommands().keySet());
        assertEquals("", written, "help texts must format cleanly (a literal % is written %%)");
    }
}
