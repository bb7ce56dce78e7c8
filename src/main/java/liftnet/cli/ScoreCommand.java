package liftnet.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import liftnet.api.Engine;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.io.ModelFile;
import liftnet.score.OodMetrics;
import liftnet.score.SampleScores;
import liftnet.score.Score;
import liftnet.score.ScorePlot;
import liftnet.train.RunFolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code score}: how well each {@link Score} tells out-of-distribution inputs ({@code --ood}) from the model's own
 * data set, printed on stdout as a table, one row per score: its AUROC, FPR95 (OOD samples are the positives) and its
 * mean on each set; with {@code --json} as one JSON object whose {@code scores} maps each score to those figures.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prints a table: for each out-of-distribution score (free energy, minimum clamped energy,"
                + " clamped-minus-free gap at the predicted label, max output, log-sum-exp of the outputs) its AUROC,"
                + " FPR at 95%% TPR and mean on each set, --ood samples being the positives. --json prints one JSON"
                + " object instead.")
final class ScoreCommand extends ModelCommand {

    @Option(names = "--ood", paramLabel = "SET", required = true,
            description = "The out-of-distribution set: mnist, fashion-mnist, cifar10 or noise (uniform pixel noise)")
    String ood;

    @Option(names = "--ood-data", paramLabel = "DIR", description = "Folder of the --ood data set. Default: data/<ood>")
    Path oodData;

    @Option(names = "--ood-split", paramLabel = "SPLIT", defaultValue = "test", description = "test or train. Default: ${DEFAULT-VALUE}")
    String oodSplit;

    @Option(names = "--noise-seed", paramLabel = "N", defaultValue = "1", description = "Seed of --ood noise. Default: ${DEFAULT-VALUE}")
    long noiseSeed;

    @Option(names = "--sample-seed", paramLabel = "N", defaultValue = "1",
            description = "With --limit: seed of the N samples drawn at random from each set (not the first N: MNIST's"
                    + " test set puts its easier half first). Default: ${DEFAULT-VALUE}")
    long sampleSeed;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Also draw the ROC curves and each score's histograms per set")
    Path plot;

    @Option(names = "--json", description = "Print one JSON object (model, sets, sample counts, and per score auroc,"
            + " fpr95, mean_in, mean_ood, ood_when) instead of the table")
    boolean json;

    @Override
    void validate(CommandLine cli) {
        oodSplit(cli);
        if (plot != null) {
            Converters.requirePng(cli, "--plot", plot);
        }
    }

    @Override
    int run(CommandLine cli, ModelFile.Model model) throws IOException {
        Dataset in = limited(options.loadAll(cli, model));
        Dataset out = loadOod(cli, in, oodSplit(cli));
        boolean lifted = freePhase(model);
        Map<Score, double[]> inScores;
        Map<Score, double[]> oodScores;
        try (Engine engine = open(model)) {
            inScores = SampleScores.compute(engine, in, options.engine.solverConfig(), options.batch, lifted);
            oodScores = SampleScores.compute(engine, out, options.engine.solverConfig(), options.batch, lifted);
        }
        JsonObject scores = new JsonObject();
        for (Score s : Score.values()) {
            double[] a = inScores.get(s);
            double[] b = oodScores.get(s);
            JsonObject o = new JsonObject();
            o.addProperty("auroc", OodMetrics.auroc(s.oriented(a), s.oriented(b)));
            o.addProperty("fpr95", OodMetrics.fpr95(s.oriented(a), s.oriented(b)));
            RunFolder.addNumber(o, "mean_in", OodMetrics.mean(a));
            RunFolder.addNumber(o, "mean_ood", OodMetrics.mean(b));
            o.addProperty("ood_when", s.oodWhenHigher() ? "higher" : "lower");
            scores.add(s.id(), o);
        }
        JsonObject o = new JsonObject();
        o.addProperty("model", options.modelFile().toString());
        o.addProperty("in", in.name());
        o.addProperty("ood", out.name());
        o.addProperty("samples_in", in.count());
        o.addProperty("samples_ood", out.count());
        o.addProperty("prediction", lifted ? "free" : "forward");
        o.addProperty("output_loss", model.config().outputLoss().toString());
        o.add("scores", scores);
        if (plot != null) {
            ScorePlot.write(plot, in.name(), out.name(), inScores, oodScores);
            o.addProperty("plot", plot.toString());
        }
        if (json) {
            main.out.println(new GsonBuilder().serializeNulls().create().toJson(o));
        } else {
            printTable(o);
        }
        return Errors.OK;
    }

    /** The result for a person: the sets, then one row per score. */
    private void printTable(JsonObject o) {
        main.out.printf(Locale.ROOT, "in: %s, %d samples; out: %s, %d samples; model %s, %s-phase prediction%n",
                o.get("in").getAsString(), o.get("samples_in").getAsInt(), o.get("ood").getAsString(),
                o.get("samples_ood").getAsInt(), o.get("model").getAsString(), o.get("prediction").getAsString());
        main.out.printf(Locale.ROOT, "%-20s %7s %7s %12s %12s  %s%n", "score", "AUROC", "FPR95", "mean in", "mean out",
                "OOD when");
        JsonObject scores = o.getAsJsonObject("scores");
        for (String id : scores.keySet()) {
            JsonObject s = scores.getAsJsonObject(id);
            main.out.printf(Locale.ROOT, "%-20s %7.4f %7.4f %12s %12s  %s%n", id, s.get("auroc").getAsDouble(),
                    s.get("fpr95").getAsDouble(), mean(s, "mean_in"), mean(s, "mean_ood"), s.get("ood_when").getAsString());
        }
        if (o.has("plot")) {
            main.out.println("plot: " + o.get("plot").getAsString());
        }
    }

    private static String mean(JsonObject s, String key) {
        return s.get(key) == null || s.get(key).isJsonNull() ? "-" : String.format(Locale.ROOT, "%.5g", s.get(key).getAsDouble());
    }

    private Split oodSplit(CommandLine cli) {
        return ModelOptions.split(cli, "--ood-split", oodSplit);
    }

    /** {@code --ood}: seeded noise as many as the in-distribution samples, or the data set ({@link #limited}). */
    private Dataset loadOod(CommandLine cli, Dataset in, Split split) {
        if (ood.trim().equalsIgnoreCase("noise")) {
            return SampleScores.noise(in, in.count(), noiseSeed);
        }
        DatasetId id;
        try {
            id = DatasetId.parse(ood);
        } catch (IllegalArgumentException e) {
            throw Errors.usage(cli, "--ood " + ood + ": expected noise or a data set, one of " + DatasetId.keys());
        }
        int channels = id.channelsOf(in.width());
        if (channels == 0 || id.classes() != in.classes()) {
            throw Errors.usage(cli, "--ood " + id.key() + ": its " + id.inputsText() + " and " + id.classes()
                    + " classes do not fit the model's " + in.width() + " inputs and " + in.classes()
                    + " classes; choose an --ood set of the same shape, or noise");
        }
        Dataset set = DataSets.load(id, oodData != null ? oodData : TrainCommand.defaultData(id), split, channels);
        return limited(set);
    }

    /** {@code --limit N}: N samples drawn at random with {@code --sample-seed}, in their order in the set. */
    private Dataset limited(Dataset set) {
        return options.limit > 0 ? set.sample(options.limit, sampleSeed) : set;
    }
}
