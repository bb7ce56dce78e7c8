package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liftnet.api.NetSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The help of every command: tokens (URIs, nets, options) are never split across lines, and train's shows the grammar. */
class HelpTextTest {

    /** A line ending inside a token: {@code s3a:} before {@code //bucket}, {@code 784-} before {@code 64}, {@code [} or {@code =}. */
    private static boolean splits(String line, String next) {
        return line.matches(".*\\S:$") && next.startsWith("/") || line.matches(".*\\w-$") && next.matches("^\\w.*")
                || line.matches(".*\\S[\\[(=/]$");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "train", "evaluate", "energy", "score", "filters", "report", "sweep"})
    void helpNeverBreaksAToken(String command) {
        Cli.Result r = command.startsWith("-") ? Cli.run(command) : Cli.run(command, "--help");
        assertEquals(0, r.code(), r::toString);
        String[] lines = r.out().split("\n");
        List<String> broken = new ArrayList<>();
        for (int i = 0; i + 1 < lines.length; i++) {
            String next = lines[i + 1].strip();
            if (splits(lines[i], next)) {
                broken.add(lines[i].strip() + " | " + next);
            }
        }
        assertTrue(broken.isEmpty(), command + ": tokens broken across lines: " + broken);
    }

    @Test
    void trainHelpShowsTheConvolutionGrammarWithExamplesThatParse() {
        String help = Cli.run("train", "--help").out();
        for (String part : new String[] {"c<F>k<K>[s<S>]", "p<K>", "zero padding K/2", "K at most 2H-1", "1x28x28-c16k5s2-c32k3s2-64-10"}) {
            assertTrue(help.contains(part), "train --help should mention " + part + ":\n" + help);
        }
        Matcher nets = Pattern.compile("\\b\\d+x\\d+x\\d+(-[cpks\\d]+)+\\b").matcher(help);
        int parsed = 0;
        while (nets.find()) {
            String net = nets.group();
            NetSpec.parse(net);
            parsed++;
        }
        assertTrue(parsed >= 2, "two convolutional examples:\n" + help);
    }
}
