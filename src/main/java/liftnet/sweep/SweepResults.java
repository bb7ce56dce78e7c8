package liftnet.sweep;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import liftnet.io.AtomicFiles;
import liftnet.report.Charts;
import liftnet.train.RunFolder;

/**
 * The summary of a sweep, read from its run folders: {@code sweep.json} (one row per run: every setting, the final
 * {@code train_acc}, {@code test_acc}, {@code linear_fraction}, the training {@code seconds}), {@code SWEEP.md}
 * (per configuration, the mean &plusmn; std and min/max of the final test accuracy over the seeds) and
 * {@code curves.png} (mean test accuracy per epoch per configuration, with &plusmn; std bars).
 */
public final class SweepResults {

    /** The summary file. */
    public static final String JSON = "sweep.json";
    /** The report. */
    public static final String MARKDOWN = "SWEEP.md";
    /** The accuracy curves. */
    public static final String CURVES = "curves.png";

    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

    /** One run as found in its folder. */
    record Run(SweepTask task, JsonObject config, List<JsonObject> epochs, TaskOutcome outcome) {

        boolean finished() {
            return epochs.size() >= task.epochs();
        }

        JsonObject last() {
            return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        }

        double seconds() {
            double s = 0;
            for (JsonObject e : epochs) {
                s += e.get("seconds").getAsDouble();
            }
            return s;
        }
    }

    private SweepResults() {
    }

    /**
     * One line for the console about a task that ended, e.g. {@code run lr-0.05_seed-1: finished, 30/30 epochs, test_acc
     * 0.9712, training 21.0 s; task 35.2 s wall on vm}: the training seconds are those of {@code SWEEP.md}.
     */
    public static String describe(SweepTask task, TaskOutcome outcome) {
        int done = RunFiles.finishedEpochs(Path.of(task.dir()));
        String acc = "";
        try {
            List<JsonObject> lines = RunFiles.metrics(Path.of(task.dir()));
            if (!lines.isEmpty()) {
                double training = 0;
                for (JsonObject line : lines) {
                    training += line.has("seconds") ? line.get("seconds").getAsDouble() : 0;
                }
                acc = String.format(Locale.ROOT, ", test_acc %.4f, training %.1f s", lines.get(lines.size() - 1)
                        .get("test_acc").getAsDouble(), training);
            }
        } catch (IOException e) {
            acc = ", metrics unreadable";
        }
        if (outcome.status() == TaskOutcome.SKIPPED) {
            return "run " + task.id() + ": already finished (" + done + " epochs" + acc + ")";
        }
        String state = outcome.status() == 0 ? "finished" : "stopped with exit status " + outcome.status()
                + " (log: " + task.log() + ")";
        return String.format(Locale.ROOT, "run %s: %s, %d/%d epochs%s; task %.1f s wall on %s", task.id(), state, done,
                task.epochs(), acc, outcome.wallSeconds(), outcome.host());
    }

    /**
     * Reads the run folders and writes {@code sweep.json}, {@code SWEEP.md} and {@code curves.png} into {@code out}.
     *
     * @param outcomes    what each task did in this invocation (by id; a run without one is reported from its folder)
     * @param command     the command line, for the report
     * @param scheduler   where the runs ran ({@link SweepScheduler#describe()})
     * @param wallSeconds wall-clock time of this invocation, scheduling included
     * @return the number of runs that are not finished
     */
    public static int write(Path out, List<SweepTask> tasks, Map<String, TaskOutcome> outcomes, String command,
                            String scheduler, double wallSeconds) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (SweepTask task : tasks) {
            Path dir = Path.of(task.dir());
            runs.add(new Run(task, RunFiles.config(dir), RunFiles.metrics(dir), outcomes.get(task.id())));
        }
        Map<String, List<Run>> configurations = byConfiguration(runs);

        JsonObject json = new JsonObject();
        json.addProperty("command", command);
        json.addProperty("scheduler", scheduler);
        json.addProperty("wall_seconds", wallSeconds);
        json.addProperty("task_seconds", runs.stream().mapToDouble(r -> r.outcome() == null ? 0 : r.outcome().wallSeconds()).sum());
        JsonArray rows = new JsonArray();
        for (Run run : runs) {
            rows.add(row(run));
        }
        json.add("runs", rows);
        JsonArray summary = new JsonArray();
        configurations.forEach((label, group) -> summary.add(configurationRow(label, group)));
        json.add("configurations", summary);
        AtomicFiles.writeString(out.resolve(JSON), PRETTY.toJson(json) + "\n");

        AtomicFiles.writeString(out.resolve(MARKDOWN), markdown(configurations, runs, command, scheduler, wallSeconds));
        writeCurves(out.resolve(CURVES), configurations);
        return (int) runs.stream().filter(r -> !r.finished()).count();
    }

    /** The runs grouped by their grid values without the seed, in task order; label {@code k=v, k=v} or {@code all}. */
    static Map<String, List<Run>> byConfiguration(List<Run> runs) {
        Map<String, List<Run>> groups = new LinkedHashMap<>();
        for (Run run : runs) {
            groups.computeIfAbsent(label(run.task()), k -> new ArrayList<>()).add(run);
        }
        return groups;
    }

    private static String label(SweepTask task) {
        List<String> parts = new ArrayList<>();
        task.grid().forEach((k, v) -> {
            if (!k.equals("seed")) {
                parts.add(k + "=" + v);
            }
        });
        return parts.isEmpty() ? "all" : String.join(", ", parts);
    }

    private static JsonObject row(Run run) {
        JsonObject o = new JsonObject();
        o.addProperty("id", run.task().id());
        JsonObject grid = new JsonObject();
        run.task().grid().forEach(grid::addProperty);
        o.add("grid", grid);
        if (run.config() != null) {
            for (Map.Entry<String, JsonElement> e : run.config().entrySet()) {
                o.add(e.getKey(), e.getValue());
            }
        }
        o.addProperty("status", run.finished() ? "finished" : "unfinished");
        o.addProperty("epochs_done", run.epochs().size());
        JsonObject last = run.last();
        for (String key : new String[] {"train_acc", "test_acc", "linear_fraction"}) {
            o.add(key, last == null ? null : last.get(key));
        }
        o.addProperty("seconds", run.seconds());
        TaskOutcome outcome = run.outcome();
        if (outcome != null) {
            JsonObject task = new JsonObject();
            task.addProperty("exit_status", outcome.status());
            task.addProperty("wall_seconds", outcome.wallSeconds());
            task.addProperty("attempt", outcome.attempt());
            task.addProperty("host", outcome.host());
            o.add("task", task);
        }
        return o;
    }

    private static JsonObject configurationRow(String label, List<Run> group) {
        JsonObject o = new JsonObject();
        o.addProperty("configuration", label);
        JsonArray seeds = new JsonArray();
        group.stream().filter(Run::finished).forEach(r -> seeds.add(r.task().grid().get("seed")));
        o.add("seeds", seeds);
        o.add("test_acc", stats(finalValues(group, "test_acc")));
        o.add("train_acc", stats(finalValues(group, "train_acc")));
        return o;
    }

    /** The final value of {@code key} of each finished run of the group. */
    static double[] finalValues(List<Run> group, String key) {
        return group.stream().filter(Run::finished).mapToDouble(r -> RunFolder.number(r.last(), key))
                .filter(v -> !Double.isNaN(v)).toArray();
    }

    private static JsonObject stats(double[] values) {
        Stats s = Stats.of(values);
        JsonObject o = new JsonObject();
        o.addProperty("n", s.n());
        if (s.n() > 0) {
            o.addProperty("mean", s.mean());
            o.addProperty("std", s.std());
            o.addProperty("min", s.min());
            o.addProperty("max", s.max());
        }
        return o;
    }

    private static String markdown(Map<String, List<Run>> configurations, List<Run> runs, String command, String scheduler,
                                   double wallSeconds) {
        StringBuilder sb = new StringBuilder("# Sweep\n\n");
        sb.append("`").append(command).append("`\n\n");
        sb.append(String.format(Locale.ROOT, "Scheduler: %s; this invocation took %.1f s. Final test accuracy over the seeds"
                + " of each configuration (mean ± sample std, %% of the test set); runs that did not finish are left out"
                + " and counted.%n%n", scheduler, wallSeconds));
        sb.append("| configuration | seeds | test acc mean ± std | min | max | train acc mean ± std | unfinished |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        configurations.forEach((label, group) -> {
            Stats test = Stats.of(finalValues(group, "test_acc"));
            Stats train = Stats.of(finalValues(group, "train_acc"));
            long unfinished = group.stream().filter(r -> !r.finished()).count();
            sb.append("| ").append(label).append(" | ").append(test.n()).append(" | ")
                    .append(pm(test)).append(" | ").append(pct(test.min())).append(" | ").append(pct(test.max()))
                    .append(" | ").append(pm(train)).append(" | ").append(unfinished).append(" |\n");
        });
        sb.append("\n![mean test accuracy per epoch](").append(CURVES).append(")\n\n## Runs\n\n");
        sb.append("training s: the epochs' training time, evaluation excluded (`seconds` in metrics.jsonl), as in the"
                + " sweep's line per run; each task's wall time, start-up and evaluation included, is in " + JSON + ".\n\n");
        sb.append("| run | epochs | test acc | train acc | training s |\n|---|---:|---:|---:|---:|\n");
        for (Run run : runs) {
            JsonObject last = run.last();
            sb.append(String.format(Locale.ROOT, "| %s | %d/%d | %s | %s | %.1f |%n", run.task().id(), run.epochs().size(),
                    run.task().epochs(), last == null ? "-" : pct(RunFolder.number(last, "test_acc")),
                    last == null ? "-" : pct(RunFolder.number(last, "train_acc")), run.seconds()));
        }
        return sb.toString();
    }

    private static String pm(Stats s) {
        return s.n() == 0 ? "-" : String.format(Locale.ROOT, "%.2f ± %.2f", 100 * s.mean(), 100 * s.std());
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", 100 * v);
    }

    /** Mean test accuracy per epoch over the runs of each configuration that reached that epoch, with std bars. */
    private static void writeCurves(Path png, Map<String, List<Run>> configurations) throws IOException {
        Map<String, double[][]> series = new LinkedHashMap<>();
        configurations.forEach((label, group) -> {
            int epochs = group.stream().mapToInt(r -> r.epochs().size()).max().orElse(0);
            List<double[]> points = new ArrayList<>();
            for (int e = 0; e < epochs; e++) {
                final int epoch = e;
                double[] values = group.stream().filter(r -> r.epochs().size() > epoch)
                        .mapToDouble(r -> 100 * r.epochs().get(epoch).get("test_acc").getAsDouble()).toArray();
                Stats s = Stats.of(values);
                points.add(new double[] {e + 1, s.mean(), s.std()});
            }
            if (!points.isEmpty()) {
                double[][] xyz = new double[3][points.size()];
                for (int i = 0; i < points.size(); i++) {
                    for (int k = 0; k < 3; k++) {
                        xyz[k][i] = points.get(i)[k];
                    }
                }
                int seeds = group.size();
                series.put(label + " (" + seeds + (seeds == 1 ? " seed)" : " seeds)"), xyz);
            }
        });
        if (!series.isEmpty()) {
            Charts.errorBarChart(png, "Test accuracy per epoch (mean ± std over seeds)", "epoch", "test accuracy (%)", series);
        }
    }
}
