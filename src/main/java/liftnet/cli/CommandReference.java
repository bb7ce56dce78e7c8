package liftnet.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/**
 * Writes {@code docs/commands.md}, the command reference: the usage help of {@code run.sh} and of every command, as
 * picocli renders it from the commands' annotations ({@code ./run.sh COMMAND --help} prints the same text). The page
 * is generated, never edited: {@code CommandReferenceTest} fails when the committed page differs from {@link
 * #render()}, and names {@link #REGENERATE}, the command that rewrites it.
 *
 * <pre>
 * mvn -B -q -f core.xml compile exec:java@command-reference      (writes docs/commands.md)
 * </pre>
 */
public final class CommandReference {

    /** The command that regenerates the page, from the project root. */
    public static final String REGENERATE = "mvn -B -q -f core.xml compile exec:java@command-reference";

    /** The page, relative to the project root. */
    public static final Path PAGE = Path.of("docs", "commands.md");

    private CommandReference() {
    }

    /**
     * Writes the page to {@code args[0]} (default {@link #PAGE}, relative to the current folder) and prints its path.
     */
    public static void main(String[] args) throws IOException {
        Path page = args.length > 0 ? Path.of(args[0]) : PAGE;
        Path parent = page.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".commands", ".md");
        Files.writeString(tmp, render(), StandardCharsets.UTF_8);
        Files.move(tmp, page, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("wrote " + page.toAbsolutePath().normalize());
    }

    /** The page: a short preamble, then one section per command with its usage help in a text block. */
    public static String render() {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        CommandLine root = Main.commandLine(discard, discard);
        List<CommandLine> commands = new ArrayList<>();
        commands.add(root);
        collect(root, commands);

        StringBuilder page = new StringBuilder();
        page.append("# Command reference\n\n");
        page.append("Every command's `--help`, as `./run.sh COMMAND --help` prints it (`./run.sh help COMMAND` is the same).\n");
        page.append("`train` is the default command: `./run.sh --net 784-64-10` is `./run.sh train --net 784-64-10`.\n\n");
        page.append("Generated from the picocli annotations of `src/main/java/liftnet/cli/` by `liftnet.cli.CommandReference`;\n");
        page.append("do not edit it by hand. After adding or changing an option or a command, regenerate it from the project root:\n\n");
        page.append("```bash\n").append(REGENERATE).append("\n```\n\n");
        page.append("`CommandReferenceTest` fails while this page differs from what the code generates.\n");
        page.append("Exit statuses, error messages and the files a run writes: [the command guide](usage.md).\n\n");
        List<String> links = new ArrayList<>();
        for (CommandLine c : commands.subList(1, commands.size())) {
            links.add("[" + title(c) + "](#" + anchor(title(c)) + ")");
        }
        page.append("Commands: ").append(String.join(", ", links)).append(".\n");
        for (CommandLine c : commands) {
            page.append("\n## ").append(title(c)).append("\n\n```text\n");
            page.append(normalised(c.getUsageMessage(Ansi.OFF)));
            page.append("```\n");
        }
        return page.toString();
    }

    private static void collect(CommandLine parent, List<CommandLine> into) {
        for (Map.Entry<String, CommandLine> e : parent.getSubcommands().entrySet()) {
            CommandLine c = e.getValue();
            boolean alias = !e.getKey().equals(c.getCommandName());
            if (alias || c.getCommand() instanceof CommandLine.HelpCommand) {
                continue;
            }
            into.add(c);
            collect(c, into);
        }
    }

    private static String title(CommandLine c) {
        return c.getCommandSpec().qualifiedName(" ");
    }

    private static String anchor(String title) {
        return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 -]", "").replace(' ', '-');
    }

    /** Unix line ends, no trailing blanks, one final newline: the page must not depend on the platform. */
    private static String normalised(String usage) {
        StringBuilder b = new StringBuilder();
        for (String line : usage.replace("\r\n", "\n").split("\n", -1)) {
            b.append(line.stripTrailing()).append('\n');
        }
        String s = b.toString();
        while (s.endsWith("\n\n")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
