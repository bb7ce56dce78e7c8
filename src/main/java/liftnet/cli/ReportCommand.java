package liftnet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.report.PaperTables;
import liftnet.report.ReproductionReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code report}: lists the paper's experiments ({@code --list}, read by {@code scripts/reproduce.sh}) or
 * turns a reproduction's run folders into {@code tables.json}, {@code REPORT.md} and figures.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes tables.json, REPORT.md and the figures of a paper reproduction from its run folders"
                + " (see scripts/reproduce.sh).")
final class ReportCommand implements Callable<Integer> {

    /** Test samples the Section 4 figure averages its gradients over. */
    private static final int SECTION4_SAMPLES = 200;

    @CommandLine.ParentCommand
    Main main;

    @Option(names = "--list", description = "Print the experiments, one per line after a '#' header: id table dataset net units method epochs")
    boolean list;

    @Option(names = "--runs", paramLabel = "DIR", defaultValue = "results/runs", description = "Run folders, one per experiment. Default: ${DEFAULT-VALUE}")
    Path runs;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "results", description = "Where the report goes. Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--command", paramLabel = "TEXT", defaultValue = "scripts/reproduce.sh", description = "The command that produced the runs, quoted in the report")
    String command;

    @Option(names = "--machine", paramLabel = "TEXT", defaultValue = "this machine", description = "The machine the runs came from, quoted in the report")
    String machine;

    @Option(names = "--cifar-dir", paramLabel = "DIR", description = "CIFAR-10 folder, if the user has one (else Table 4 reads 'not run')")
    Path cifarDir;

    @Override
    public Integer call() throws IOException {
        if (list) {
            main.out.println("# id table dataset net units method epochs");
            for (PaperTables.Row row : PaperTables.rows()) {
                main.out.println(String.join(" ", row.id(), Integer.toString(row.table()), row.dataset(), row.net(),
                        row.units(), row.method(), Integer.toString(row.epochs())));
            }
            return Errors.OK;
        }
        requireReproduction();
        Files.createDirectories(out);
        ReproductionReport report = new ReproductionReport(runs, out);
        List<ReproductionReport.Result> results = report.read(cifarDir != null);
        report.writeTables(results);
        report.writeReport(results, command, machine, differences());
        report.writeCurves(results);
        report.writeFilters(results);
        Path model = section4Model();
        if (model != null) {
            Path mnist = TrainCommand.defaultData(DatasetId.MNIST);
            Dataset test = DataSets.load(DatasetId.MNIST, mnist, Split.TEST).head(SECTION4_SAMPLES);
            report.writeSection4(model, test);
            main.err.println("section 4: gradient agreement of " + model + " on " + SECTION4_SAMPLES + " test samples");
        }
        main.err.println("wrote " + out.resolve("tables.json") + ", " + out.resolve("REPORT.md") + " and figures");
        return Errors.OK;
    }

    /**
     * Refuses a {@code --runs} folder that holds none of the experiments' run folders: a report of it would be all "not
     * run" rows under a line saying the runs were produced by the reproduction.
     */
    private void requireReproduction() {
        if (!Files.isDirectory(runs)) {
            throw new Errors.Failure(Errors.FAILURE, "--runs " + runs + ": no such folder; pass the folder of run folders"
                    + " that scripts/reproduce.sh wrote (results/runs by default)");
        }
        List<PaperTables.Row> rows = PaperTables.rows();
        for (PaperTables.Row row : rows) {
            if (Files.isRegularFile(runs.resolve(row.id()).resolve("config.json"))) {
                return;
            }
        }
        throw new Errors.Failure(Errors.FAILURE, "--runs " + runs + ": not a reproduction, it holds none of the " + rows.size()
                + " experiments' run folders (e.g. " + runs.resolve(rows.get(0).id()) + "/config.json); pass the folder that"
                + " scripts/reproduce.sh wrote, or see report --list for the experiments");
    }

    /** The trained ReLU contrastive MNIST net of Table 1, else that of Figure 1; null if neither exists. */
    private Path section4Model() {
        for (PaperTables.Row row : PaperTables.rows()) {
            Path model = runs.resolve(row.id()).resolve("model.safetensors");
            if (row.dataset().equals("mnist") && row.units().equals("relu") && row.method().equals("contrastive")
                    && Files.exists(model)) {
                return model;
            }
        }
        return null;
    }

    private static String differences() throws IOException {
        try (InputStream in = ReportCommand.class.getResourceAsStream("/liftnet/report/differences.md")) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
