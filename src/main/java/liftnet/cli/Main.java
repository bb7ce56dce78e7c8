package liftnet.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import liftnet.train.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code run.sh}: {@code run.sh [train|evaluate|energy|filters] [options]}, with {@code train}
 * the default subcommand. Exit status: {@value Errors#OK} success, {@value Errors#FAILURE} a failure (data,
 * model file, device, I/O), {@value Errors#USAGE} a usage error, {@value Errors#DIVERGED} a diverging training
 * run, {@value Errors#INTERRUPTED} stopped by Ctrl-C.
 */
@Command(name = "run.sh", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Lifted neural networks trained with the contrastive loss (Zach & Estellers, BMVC 2019).%n"
                + "train is the default subcommand: run.sh --net 784-64-10 is run.sh train --net 784-64-10.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, EnergyCommand.class, FiltersCommand.class, ReportCommand.class,
                ScoreCommand.class, SweepCommand.class, GradientsCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    private static final Set<String> TOP_LEVEL = Set.of("train", "evaluate", "energy", "score", "filters", "report", "sweep",
            "gradients", "help",
            "-h", "--help", "-V", "--version");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where results go (JSON, summaries). */
    final PrintStream out;
    /** Where progress, notes and errors go. */
    final PrintStream err;
    /** Added to a {@code train} run after its own listeners (a sweep task's copy after each saved epoch), or null. */
    final TrainingRun.Listener afterEpoch;

    Main(PrintStream out, PrintStream err) {
        this(out, err, null);
    }

    private Main(PrintStream out, PrintStream err, TrainingRun.Listener afterEpoch) {
        this.out = out;
        this.err = err;
        this.afterEpoch = afterEpoch;
    }

    @Override
    public void run() {
        // Not reached: run(...) always names a subcommand.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the program and exits with its status; installs the Ctrl-C handler of training runs. */
    public static void main(String[] args) {
        StopSignal.install();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, System.err));
    }

    /**
     * Runs the program in-process: parses {@code args} ({@code train} inserted when no subcommand is named),
     * executes the command and maps every failure to a one-line message on {@code err}.
     *
     * @param out receives results (JSON, per-epoch summaries, help); not closed
     * @param err receives progress, notes and error messages; not closed
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, null);
    }

    /**
     * {@link #run(String[], PrintStream, PrintStream)} with a listener that a {@code train} run adds after its own,
     * so that it hears of epochs already saved in the run folder ({@link TrainLauncher}).
     */
    static int run(String[] args, PrintStream out, PrintStream err, TrainingRun.Listener afterEpoch) {
        CommandLine cli = commandLine(new Main(out, err, afterEpoch));
        if (args.length > 0 && !args[0].startsWith("-") && !cli.getSubcommands().containsKey(args[0])) {
            // train takes no positional argument: a first word that is not a command is a misspelled command
            err.println("error: unknown command '" + args[0] + "'; commands: "
                    + String.join(", ", cli.getSubcommands().keySet()) + " (see run.sh --help)");
            return Errors.USAGE;
        }
        return cli.execute(withDefaultSubcommand(args));
    }

    /** The configured picocli command line, writing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        return commandLine(new Main(out, err));
    }

    private static CommandLine commandLine(Main main) {
        PrintStream out = main.out;
        PrintStream err = main.err;
        CommandLine cli = new CommandLine(main);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.registerConverter(Double.class, Converters::number);
        cli.registerConverter(Double.TYPE, Converters::number);
        cli.registerConverter(Integer.class, Converters::wholeNumber);
        cli.registerConverter(Integer.TYPE, Converters::wholeNumber);
        cli.registerConverter(Long.class, Converters::wholeLong);
        cli.registerConverter(Long.TYPE, Converters::wholeLong);
        cli.setOverwrittenOptionsAllowed(true);
        Errors errors = new Errors(err);
        cli.setParameterExceptionHandler(errors);
        cli.setExecutionExceptionHandler(errors);
        return cli;
    }

    /** {@code args} with {@code train} in front unless they start with a subcommand or a top-level option. */
    static String[] withDefaultSubcommand(String[] args) {
        if (args.length > 0 && TOP_LEVEL.contains(args[0])) {
            return args;
        }
        List<String> list = new ArrayList<>(args.length + 1);
        list.add("train");
        list.addAll(List.of(args));
        return list.toArray(new String[0]);
    }

    /** {@code --version}: the implementation version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"liftnet " + (v == null ? "(development build)" : v)};
        }
    }
}
