package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The command reference {@code docs/commands.md} cannot drift from the code: the committed page is exactly what
 * {@link CommandReference} generates from the picocli specs, and each section is what {@code run.sh COMMAND --help}
 * prints. Tests run from the project root.
 */
class CommandReferenceTest {

    @Test
    void committedPageIsWhatTheCodeGenerates() throws IOException {
        Path page = CommandReference.PAGE;
        String generated = CommandReference.render();
        if (!Files.isRegularFile(page)) {
            fail(page + " is missing; generate it from the project root with: " + CommandReference.REGENERATE);
        }
        String committed = Files.readString(page, StandardCharsets.UTF_8);
        if (!committed.equals(generated)) {
            fail(page + " differs from the commands' help (" + firstDifference(committed, generated)
                    + "); regenerate it from the project root with: " + CommandReference.REGENERATE);
        }
    }

    @Test
    void everyCommandsHelpIsOnThePageAsRunShPrintsIt() {
        String page = CommandReference.render();
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        List<String> commands = Main.commandLine(discard, discard).getSubcommands().keySet().stream()
                .filter(c -> !c.equals("help")).toList();
        assertTrue(commands.contains("train") && commands.contains("sweep"), commands.toString());
        for (String command : commands) {
            Cli.Result r = Cli.run(command, "--help");
            assertEquals(0, r.code(), r.toString());
            String help = r.out().replace("\r\n", "\n").lines().map(String::stripTrailing)
                    .reduce("", (a, b) -> a + b + "\n");
            assertTrue(page.contains("\n## run.sh " + command + "\n\n```text\n" + help + "```\n"),
                    "the page's section of " + command + " is not what run.sh " + command + " --help prints:\n" + help);
        }
    }

    /** Where two texts first differ, by line: "line N: committed '...', generated '...'". */
    static String firstDifference(String committed, String generated) {
        List<String> a = committed.lines().toList();
        List<String> b = generated.lines().toList();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "(end of page)";
            String y = i < b.size() ? b.get(i) : "(end of page)";
            if (!x.equals(y)) {
                return "first difference at line " + (i + 1) + ": committed '" + x + "', generated '" + y + "'";
            }
        }
        return "they differ only in line ends";
    }
}
