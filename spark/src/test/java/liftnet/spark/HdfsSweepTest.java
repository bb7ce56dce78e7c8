package liftnet.spark;

import static liftnet.spark.SparkTestRuns.cli;
import static liftnet.spark.SparkTestRuns.trainAlone;
import static liftnet.spark.SparkTestRuns.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import liftnet.spark.SparkTestRuns.Result;
import liftnet.sweep.RunFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep whose folder is on a real HDFS (a name node and a data node of Hadoop's MiniDFSCluster, in this JVM, on
 * 127.0.0.1): the tasks write their run folders and logs there, the driver writes the summary there, each run equals
 * the run trained alone, and the same command again finds every run finished on HDFS.
 */
class HdfsSweepTest {

    @TempDir
    Path tmp;

    private MiniDFSCluster hdfs;

    @BeforeEach
    void startHdfs() throws IOException {
        SparkTestRuns.assumeMnistAndSparkJdk();
        Configuration conf = new Configuration();
        conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
        hdfs = new MiniDFSCluster.Builder(conf, tmp.resolve("hdfs").toFile()).numDataNodes(1).build();
        hdfs.waitActive();
    }

    @AfterEach
    void stopHdfs() {
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    private String read(FileSystem fs, String path) throws IOException {
        try (var in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aSweepOnHdfsHoldsItsRunsAndSummaryThere() throws IOException {
        String out = hdfs.getURI() + "/sweeps/small";
        String[] sweep = with("sweep", "--spark", "local[2]", "--seeds", "1,2", "--out", out);
        Result r = cli(sweep);
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("wrote " + out + "/sweep.json"), r.out());

        FileSystem fs = hdfs.getFileSystem();
        JsonObject json = JsonParser.parseString(read(fs, "/sweeps/small/sweep.json")).getAsJsonObject();
        assertEquals(2, json.getAsJsonArray("runs").size());
        assertTrue(read(fs, "/sweeps/small/SWEEP.md").contains("seed-2"));
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/sweeps/small/curves.png")));
        for (String seed : new String[] {"1", "2"}) {
            String run = "/sweeps/small/runs/seed-" + seed;
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(run + "/model.safetensors")), run);
            assertTrue(read(fs, "/sweeps/small/logs/seed-" + seed + ".log").contains("== exit status 0"));
            Path copy = tmp.resolve("copy-" + seed);
            fs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(run), new org.apache.hadoop.fs.Path(copy.toUri()), true);
            assertEquals(RunFiles.untimedMetrics(trainAlone(tmp.resolve("alone-" + seed), seed)), RunFiles.untimedMetrics(copy),
                    "seed " + seed);
        }

        Result again = cli(sweep);
        assertEquals(0, again.code(), again::toString);
        assertTrue(again.err().contains("run seed-1: already finished") && again.err().contains("run seed-2: already finished"),
                again.err());
    }
}
