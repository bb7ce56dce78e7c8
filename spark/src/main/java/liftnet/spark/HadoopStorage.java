package liftnet.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import liftnet.sweep.SweepStorage;

/**
 * The driver's side of a sweep folder on a Hadoop file system ({@link HadoopFolder}). On {@code file:} the driver
 * reads and writes the folder itself; on any other file system it works on a local mirror in a temporary folder,
 * which {@link #pull} fills with what the summary reads, {@link #push} publishes from, and {@link #close} deletes.
 */
final class HadoopStorage implements SweepStorage {

    private final String location;
    private final HadoopFolder folder;
    private final Path local;
    private final boolean mirror;

    /**
     * @param out    {@code --out}: a URI, or a local path meaning {@code file://}
     * @param hadoop Hadoop settings on top of Hadoop's defaults
     * @throws IllegalArgumentException for a malformed URI
     */
    HadoopStorage(String out, Map<String, String> hadoop) {
        Path path = SweepStorage.localPath(out);
        this.folder = new HadoopFolder(path != null ? path.toString() : out, hadoop);
        if (path != null) {
            this.local = path.toAbsolutePath().normalize();
            this.location = local.toString();
            this.mirror = false;
        } else {
            this.location = folder.uri();
            try {
                this.local = Files.createTempDirectory("liftnet-sweep-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a temporary folder for the sweep's summary", e);
            }
            this.mirror = true;
        }
    }

    HadoopFolder folder() {
        return folder;
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public Path local() {
        return local;
    }

    @Override
    public void pull() throws IOException {
        if (mirror) {
            folder.pullSummaryInputs(local);
        }
    }

    @Override
    public void push(List<String> names) throws IOException {
        if (mirror) {
            for (String name : names) {
                folder.push(local.resolve(name), name);
            }
        }
    }

    @Override
    public void close() {
        if (mirror) {
            try {
                HadoopFolder.deleteLocal(local);
            } catch (IOException e) {
                System.err.println("note: could not delete the sweep's local mirror " + local + ": " + e.getMessage());
            }
        }
    }
}
