package liftnet.spark;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import liftnet.sweep.RunFiles;
import liftnet.sweep.SweepStorage;
import liftnet.train.RunFolder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * A sweep folder on a Hadoop file system ({@code hdfs://}, {@code s3a://}, {@code file://}, any scheme with a Hadoop
 * {@link FileSystem} on the class path): {@code runs/<id>/} holds each run folder, {@code logs/<id>.log} each log.
 * Serializable, so that a Spark task copies its run through it on the executor.
 *
 * <p>Writes are per file: a file is copied to a hidden name beside its target ({@code .NAME.copying}), then renamed
 * over it ({@link FileContext#rename} with {@code OVERWRITE}; atomic on HDFS and on a local disk). A run folder's
 * files are copied in the order {@code train} writes them ({@link RunFolder}: {@code config.json}, optimizer state,
 * {@code model.safetensors}, {@code metrics.jsonl}), and files the local folder no longer holds (the previous epoch's
 * optimizer state) are deleted last; so a copy cut off at any moment leaves a folder that {@code --resume} accepts,
 * as a training run cut off at any moment does.
 */
final class HadoopFolder implements Serializable {

    private static final long serialVersionUID = 1L;
    /** Spark options {@code spark.hadoop.K=V} are Hadoop's {@code K=V} (as {@code spark-submit} passes them on). */
    static final String SPARK_HADOOP = "spark.hadoop.";
    private static final String COPYING = ".copying";

    private final String uri;
    private final Map<String, String> hadoop;

    /**
     * @param location a URI with a scheme ({@code hdfs://namenode:8020/sweeps/lr}), or a local path meaning
     *                 {@code file://} (made absolute)
     * @param hadoop   Hadoop settings (e.g. {@code fs.s3a.endpoint}) on top of Hadoop's defaults
     */
    HadoopFolder(String location, Map<String, String> hadoop) {
        String u = SweepStorage.URI_FORM.matcher(location).matches() ? URI.create(location).normalize().toString()
                : java.nio.file.Path.of(location).toAbsolutePath().normalize().toUri().toString();
        this.uri = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        this.hadoop = new LinkedHashMap<>(hadoop);
    }

    /** The folder's URI, without a trailing slash. */
    String uri() {
        return uri;
    }

    /** Whether the folder is on this machine's file system ({@code file:}). */
    boolean isLocal() {
        return URI.create(uri).getScheme().equalsIgnoreCase("file");
    }

    /** Hadoop's configuration with {@link #hadoop} applied; local files without Hadoop's {@code .crc} side files. */
    Configuration configuration() {
        Configuration conf = new Configuration();
        conf.set("fs.AbstractFileSystem.file.impl", "org.apache.hadoop.fs.local.RawLocalFs");
        hadoop.forEach(conf::set);
        return conf;
    }

    private Path run(String id) {
        return new Path(uri + "/runs/" + id);
    }

    private Path log(String id) {
        return new Path(uri + "/logs/" + id + ".log");
    }

    private FileSystem open() throws IOException {
        FileSystem fs = FileSystem.newInstance(URI.create(uri), configuration());
        fs.setWriteChecksum(false);
        return fs;
    }

    /**
     * Brings run {@code id} to this machine: empties {@code runDir}, then copies the run folder and the log into
     * {@code runDir} and {@code logFile}, when the sweep folder holds them. Nothing else of the sweep is read.
     */
    void restore(String id, java.nio.file.Path runDir, java.nio.file.Path logFile) throws IOException {
        deleteLocal(runDir);
        Files.deleteIfExists(logFile);
        Files.createDirectories(runDir);
        try (FileSystem fs = open()) {
            Path remote = run(id);
            if (fs.exists(remote)) {
                for (FileStatus f : fs.listStatus(remote)) {
                    String name = f.getPath().getName();
                    if (f.isFile() && !name.startsWith(".")) {
                        fs.copyToLocalFile(false, f.getPath(), new Path(runDir.resolve(name).toUri()), true);
                    }
                }
            }
            if (fs.exists(log(id))) {
                Files.createDirectories(logFile.toAbsolutePath().getParent());
                fs.copyToLocalFile(false, log(id), new Path(logFile.toUri()), true);
            }
        }
    }

    /**
     * Copies the run folder {@code runDir} to {@code runs/<id>} (in {@code train}'s write order, then deleting what
     * {@code runDir} no longer holds) and {@code logFile} to {@code logs/<id>.log}.
     */
    void save(String id, java.nio.file.Path runDir, java.nio.file.Path logFile) throws IOException {
        try (FileSystem fs = open()) {
            FileContext context = FileContext.getFileContext(URI.create(uri), configuration());
            Path remote = run(id);
            fs.mkdirs(remote);
            List<String> names = writeOrder(runDir);
            for (String name : names) {
                copy(fs, context, runDir.resolve(name), new Path(remote, name));
            }
            Set<String> kept = new TreeSet<>(names);
            for (FileStatus f : fs.listStatus(remote)) {
                if (f.isFile() && !kept.contains(f.getPath().getName())) {
                    fs.delete(f.getPath(), false);
                }
            }
            if (Files.isRegularFile(logFile)) {
                fs.mkdirs(log(id).getParent());
                copy(fs, context, logFile, log(id));
            }
        }
    }

    /** The files of a run folder in the order {@code train} writes them: config, optimizer state and others, model, metrics. */
    static List<String> writeOrder(java.nio.file.Path runDir) throws IOException {
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(runDir)) {
            try (Stream<java.nio.file.Path> files = Files.list(runDir)) {
                files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith(".")).forEach(names::add);
            }
        }
        names.sort(Comparator.comparingInt(HadoopFolder::rank).thenComparing(Comparator.naturalOrder()));
        return names;
    }

    private static int rank(String name) {
        return switch (name) {
            case RunFiles.CONFIG -> 0;
            case RunFolder.MODEL -> 2;
            case RunFiles.METRICS -> 3;
            default -> 1;
        };
    }

    /** Copies a local file to {@code target}: to a hidden name beside it, then renamed over it. */
    private static void copy(FileSystem fs, FileContext context, java.nio.file.Path local, Path target) throws IOException {
        Path partial = new Path(target.getParent(), "." + target.getName() + COPYING);
        fs.copyFromLocalFile(false, true, new Path(local.toAbsolutePath().toUri()), partial);
        context.rename(partial, target, Options.Rename.OVERWRITE);
    }

    /**
     * Copies what a sweep's summary reads into the local folder {@code mirror}: every run's {@code config.json} and
     * {@code metrics.jsonl} ({@code runs/<id>/}) and every log ({@code logs/}). A mirror file the sweep folder does
     * not hold is deleted.
     */
    void pullSummaryInputs(java.nio.file.Path mirror) throws IOException {
        try (FileSystem fs = open()) {
            Path runs = new Path(uri + "/runs");
            if (fs.exists(runs)) {
                for (FileStatus run : fs.listStatus(runs)) {
                    if (!run.isDirectory()) {
                        continue;
                    }
                    java.nio.file.Path local = mirror.resolve("runs").resolve(run.getPath().getName());
                    Files.createDirectories(local);
                    for (String name : List.of(RunFiles.CONFIG, RunFiles.METRICS)) {
                        pullFile(fs, new Path(run.getPath(), name), local.resolve(name));
                    }
                }
            }
            Path logs = new Path(uri + "/logs");
            if (fs.exists(logs)) {
                java.nio.file.Path local = mirror.resolve("logs");
                Files.createDirectories(local);
                for (FileStatus f : fs.listStatus(logs)) {
                    if (f.isFile() && !f.getPath().getName().startsWith(".")) {
                        pullFile(fs, f.getPath(), local.resolve(f.getPath().getName()));
                    }
                }
            }
        }
    }

    private static void pullFile(FileSystem fs, Path remote, java.nio.file.Path local) throws IOException {
        if (fs.exists(remote)) {
            fs.copyToLocalFile(false, remote, new Path(local.toAbsolutePath().toUri()), true);
        } else {
            Files.deleteIfExists(local);
        }
    }

    /** Copies the local file {@code local} to {@code name} (relative to the sweep folder). */
    void push(java.nio.file.Path local, String name) throws IOException {
        try (FileSystem fs = open()) {
            Path target = new Path(uri + "/" + name);
            fs.mkdirs(target.getParent());
            copy(fs, FileContext.getFileContext(URI.create(uri), configuration()), local, target);
        }
    }

    /** Deletes a local folder and everything in it; nothing when it does not exist. */
    static void deleteLocal(java.nio.file.Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<java.nio.file.Path> all = Files.walk(dir)) {
            for (java.nio.file.Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
