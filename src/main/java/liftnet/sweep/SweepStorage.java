package liftnet.sweep;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a sweep's folder ({@code --out}) lives, and the driver's local view of it: the folder the summary reads the
 * run folders from ({@code runs/<id>/config.json}, {@code metrics.jsonl}, {@code logs/<id>.log}) and writes
 * {@code sweep.json}, {@code SWEEP.md} and {@code curves.png} into.
 *
 * <p>A local folder ({@link #local(String)}) is both. A cluster scheduler may keep the sweep on another file system
 * (the Spark module: any Hadoop file system, {@code hdfs://}, {@code s3a://}, {@code file://}); the driver then works
 * on a local mirror, brought up to date by {@link #pull} and published by {@link #push}.
 *
 * <p>Calls: {@code pull -> (the scheduler's run) -> pull -> (the summary written into local()) -> push -> close}.
 */
public interface SweepStorage extends AutoCloseable {

    /** A URI scheme followed by {@code //}, e.g. {@code hdfs://}: {@code --out} names a file system, not a folder. */
    Pattern URI_FORM = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*");

    /** The sweep folder as the user gave it, made absolute (a local path, or a URI). */
    String location();

    /** The driver's local folder that mirrors the sweep: the tasks' {@code dir} and {@code log} lie under it. */
    Path local();

    /** Copies every run's {@code config.json}, {@code metrics.jsonl} and log from the sweep's file system into {@link #local()}. */
    void pull() throws IOException;

    /** Copies files of {@link #local()} (names relative to it, e.g. {@code sweep.json}) to the sweep's file system. */
    void push(List<String> names) throws IOException;

    /** Removes what the mirror holds, if it is a copy; never the sweep's own files. */
    @Override
    default void close() {
    }

    /**
     * A local folder: a plain path, or a {@code file:} URI.
     *
     * @throws IllegalArgumentException for another scheme (a file system that needs a cluster scheduler)
     */
    static SweepStorage local(String out) {
        Path dir = localPath(out);
        if (dir == null) {
            throw new IllegalArgumentException("--out " + out + ": a Hadoop file system needs --spark (its tasks write"
                    + " through Hadoop); without --spark give a local folder or a file:// URI");
        }
        Path folder = dir.toAbsolutePath().normalize();
        return new SweepStorage() {
            @Override
            public String location() {
                return folder.toString();
            }

            @Override
            public Path local() {
                return folder;
            }

            @Override
            public void pull() {
            }

            @Override
            public void push(List<String> names) {
            }
        };
    }

    /**
     * The local path that {@code out} names: itself when it is a plain path, the path of a {@code file:} URI, or
     * {@code null} for another scheme.
     *
     * @throws IllegalArgumentException for a malformed {@code file:} URI
     */
    static Path localPath(String out) {
        if (!URI_FORM.matcher(out).matches()) {
            return Path.of(out);
        }
        URI uri;
        try {
            uri = new URI(out);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--out " + out + ": not a valid URI (" + e.getReason()
                    + "); e.g. file:///data/sweeps/lr or hdfs://namenode:8020/sweeps/lr");
        }
        if (!uri.getScheme().equalsIgnoreCase("file")) {
            return null;
        }
        if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
            throw new IllegalArgumentException("--out " + out + ": a file: URI has no host; write file:///path (three"
                    + " slashes)");
        }
        return Path.of(uri.getPath());
    }
}
