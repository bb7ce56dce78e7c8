package liftnet.spark;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import liftnet.sweep.SchedulerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A master that cannot work is refused with one line before Spark is started (Spark's own client retries a minute). */
class SparkMasterTest {

    @TempDir
    Path tmp;

    @Test
    void aStandaloneMasterThatDoesNotAnswerIsRefusedAtOnce() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // closed again: nothing listens there now
        }
        String master = "spark://127.0.0.1:" + port;
        SchedulerException e = assertThrows(SchedulerException.class, () -> new SparkScheduler(master, tmp.resolve("spark.log")));
        assertOneLine(e, "--spark " + master + ": no Spark master answers at 127.0.0.1:" + port, "scripts/spark-cluster.sh start");
    }

    @Test
    void malformedAndEmptyMastersAreRefused() {
        assertOneLine(assertThrows(SchedulerException.class, () -> SparkScheduler.checkMaster("local[0]")),
                "a local master needs at least 1 thread");
        assertOneLine(assertThrows(SchedulerException.class, () -> SparkScheduler.checkMaster("spark://host")),
                "'host' is not host:port");
    }

    /** A cluster manager this build has no module for fails in Spark; the failure is one line that says what to do. */
    @Test
    void aClusterManagerSparkCannotReachIsOneLine() throws IOException {
        Path log = tmp.resolve("spark.log");
        SchedulerException e = assertThrows(SchedulerException.class, () -> new SparkScheduler("yarn", log));
        assertOneLine(e, "--spark yarn: Spark could not start", "spark-submit --master yarn", "--spark submit");
        assertTrue(Files.exists(log) || !e.getMessage().contains("log"), "the log file named exists");
    }

    private static void assertOneLine(SchedulerException e, String... parts) {
        String m = e.getMessage();
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + p + "' in: " + m);
        }
    }
}
