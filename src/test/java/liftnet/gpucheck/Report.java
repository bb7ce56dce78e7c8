package liftnet.gpucheck;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The GPU check's results: {@code gpu-check-<host>-<date>.txt} (every line the check prints) and {@code .json}
 * (machine, devices, one entry per step, and each step's figures), both rewritten as each step ends so that a run
 * cut short keeps what it measured. With a mirror folder both files are written there too.
 */
public final class Report {

    /** How a step ended; only {@link #PASS} and {@link #SKIP} (no such device) are not failures. */
    public enum Status {
        PASS, FAIL, SKIP, TIMEOUT, NOT_RUN, INTERRUPTED;

        /** The name printed: {@code NOT-RUN} for {@link #NOT_RUN}. */
        public String label() {
            return name().replace('_', '-');
        }

        public boolean failure() {
            return this != PASS && this != SKIP;
        }
    }

    /** One step's outcome. */
    public record Step(String name, Status status, long seconds, String detail) {
    }

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

    private final Path txt;
    private final Path json;
    private final Path mirror;
    private final Budget budget;
    private final JsonObject root = new JsonObject();
    private final List<Step> steps = new ArrayList<>();
    private String current;
    private long currentStart;
    private boolean frozen;

    private Report(Path txt, Path json, Path mirror, Budget budget) {
        this.txt = txt;
        this.json = json;
        this.mirror = mirror;
        this.budget = budget;
    }

    /**
     * A new pair of results files in {@code dir}, named after {@code host} and today's date, with {@code -2},
     * {@code -3}... where such files exist; {@code mirror} ({@code null}: none) gets copies.
     */
    public static Report create(Path dir, Path mirror, String host, Budget budget) throws IOException {
        Files.createDirectories(dir);
        if (mirror != null) {
            Files.createDirectories(mirror);
        }
        String stem = "gpu-check-" + host + "-" + LocalDate.now(ZoneOffset.UTC);
        for (int n = 2; Files.exists(dir.resolve(stem + ".txt")) || Files.exists(dir.resolve(stem + ".json")); n++) {
            stem = "gpu-check-" + host + "-" + LocalDate.now(ZoneOffset.UTC) + "-" + n;
        }
        Report r = new Report(dir.resolve(stem + ".txt"), dir.resolve(stem + ".json"),
                mirror == null || mirror.equals(dir) ? null : mirror, budget);
        Files.writeString(r.txt, "");
        if (r.mirror != null) {
            Files.writeString(r.mirror.resolve(r.txt.getFileName()), "");
        }
        return r;
    }

    /** Prints {@code line} and appends it to the text results. */
    public synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
        append(txt, line);
        if (mirror != null) {
            append(mirror.resolve(txt.getFileName()), line);
        }
    }

    public void section(String title) {
        say("");
        say("== " + title + " ==");
    }

    /** Marks {@code name} as running (named INTERRUPTED if a signal ends the check before it is recorded). */
    public synchronized void begin(String name) {
        current = name;
        currentStart = System.nanoTime();
    }

    /** The step that {@link #begin} marked and no {@link #record} ended, or {@code null}. */
    public synchronized String running() {
        return current;
    }

    /** Seconds since {@link #begin}. */
    public synchronized long runningSeconds() {
        return (System.nanoTime() - currentStart) / 1_000_000_000L;
    }

    /** Records a step's outcome, prints {@code -> NAME: STATUS (DETAIL)} and rewrites the JSON. */
    public synchronized void record(String name, Status status, long seconds, String detail) {
        if (frozen) {
            return;
        }
        steps.add(new Step(name, status, seconds, detail));
        current = null;
        say("-> " + name + ": " + status.label() + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        write();
    }

    /**
     * Stops recording (a signal ends the check; the step it cut must not be recorded twice) and returns the running
     * step, or {@code null}.
     */
    public synchronized String freeze() {
        frozen = true;
        return current;
    }

    /** After {@link #freeze}: records {@code step} (if not {@code null}) as INTERRUPTED. */
    public synchronized void interrupted(String step, long seconds, String detail) {
        if (step != null) {
            steps.add(new Step(step, Status.INTERRUPTED, seconds, detail));
            say("-> " + step + ": " + Status.INTERRUPTED.label() + " (" + detail + ")");
        }
        current = null;
    }

    /** Sets a top-level field of the JSON (written with the next step). */
    public synchronized void put(String key, JsonElement value) {
        root.add(key, value);
    }

    public synchronized void put(String key, String value) {
        root.addProperty(key, value);
    }

    public synchronized void put(String key, Number value) {
        root.addProperty(key, value);
    }

    /** Sets {@code group.key} of the JSON: e.g. {@code tests.cuda}. */
    public synchronized void put(String group, String key, JsonElement value) {
        if (!root.has(group)) {
            root.add(group, new JsonObject());
        }
        root.getAsJsonObject(group).add(key, value);
    }

    public synchronized List<Step> steps() {
        return List.copyOf(steps);
    }

    public synchronized long failures() {
        return steps.stream().filter(s -> s.status().failure()).count();
    }

    public Path txt() {
        return txt;
    }

    public Path json() {
        return json;
    }

    /** The summary: one line per step, the totals, and where the results are. */
    public synchronized void summary(Path out) {
        section("summary");
        long notDone = 0;
        for (Step s : steps) {
            say(String.format(Locale.ROOT, "%-11s %-26s %4ds  %s", s.status().label(), s.name(), s.seconds(), s.detail()));
            if (s.status() == Status.NOT_RUN || s.status() == Status.INTERRUPTED) {
                notDone++;
            }
        }
        say("total " + budget.elapsed() + " s of a " + budget.total() + " s budget; " + failures() + " of " + steps.size()
                + " steps not passed (" + notDone + " not done for want of time); results: " + txt + ", " + json);
        if (out != null) {
            say("results and logs in " + out);
        }
        write();
    }

    /** Rewrites the JSON (atomically) and its mirror. */
    public synchronized void write() {
        JsonObject o = root.deepCopy();
        JsonArray list = new JsonArray();
        for (Step s : steps) {
            JsonObject e = new JsonObject();
            e.addProperty("name", s.name());
            e.addProperty("status", s.status().label());
            e.addProperty("seconds", s.seconds());
            e.addProperty("detail", s.detail());
            list.add(e);
        }
        o.add("steps", list);
        o.addProperty("failures", failures());
        o.addProperty("seconds", budget.elapsed());
        o.addProperty("written", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        try {
            Path tmp = json.resolveSibling(json.getFileName() + ".tmp");
            Files.writeString(tmp, GSON.toJson(o) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, json, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (mirror != null) {
                Files.copy(json, mirror.resolve(json.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json, e);
        }
    }

    /** Today in UTC as the results' timestamp, e.g. {@code 2026-12-06T07:30:00Z}. */
    public static String now() {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    private static void append(Path file, String line) {
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
