package liftnet.cli;

import static liftnet.cli.Cli.assertMessage;
import static liftnet.cli.Cli.assertUsageError;
import static liftnet.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import liftnet.api.Engines;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.data.IdxReader;
import liftnet.io.ModelFile;
import liftnet.io.SafeTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bad input gets one line naming the problem and the fix, a non-zero exit status (2 for usage errors), no
 * stack trace and nothing on stdout. None of these needs the real data sets.
 */
class BadInputTest {

    @TempDir
    Path tmp;

    private String[] train(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--device", "cpu", "--epochs", "1", "--limit", "100",
                "--out", tmp.resolve("run").toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "784-x-10 | layer 1 ('x') is not a positive integer",
            "784      | needs at least an input and an output width",
            "784-0-10 | layer 1 ('0') is not a positive integer",
            "784--10  | layer 1 ('') is not a positive integer"})
    void malformedNetIsAUsageError(String net, String problem) {
        Cli.Result r = run(train("--net", net));
        assertUsageError(r, "--net", problem, "e.g. 784-");
    }

    @Test
    void inputWidthThatDoesNotMatchTheDataSet() {
        assertUsageError(run(train("--net", "100-10")), "--net 100-10", "input width 100", "mnist", "784",
                "use e.g. --net 784-64-10");
        assertUsageError(run(train("--net", "784-64-64-64-10", "--dataset", "cifar10")), "input width 784", "cifar10",
                "1024", "--net 1024-64-64-64-10");
    }

    @Test
    void outputWidthThatDoesNotMatchTheClasses() {
        assertUsageError(run(train("--net", "784-64-5")), "output width 5", "10 classes", "--net 784-64-10");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--units   | sigmoid | unknown units 'sigmoid'; expected one of linear, relu, hardsigmoid",
            "--method  | adam    | unknown method 'adam'; expected one of contrastive, lifted, backprop, linear",
            "--dataset | svhn    | unknown data set 'svhn': expected one of mnist, fashion-mnist, cifar10",
            "--device  | tpu     | unknown device 'tpu'; expected cpu, opencl[:N], cuda[:N], gpu or auto",
            "--device  | cuda:x  | unknown device 'cuda:x'",
            "--solver  | newton  | unknown solver 'newton'; expected gauss-seidel or jacobi"})
    void unknownNamesAreUsageErrors(String option, String value, String message) {
        assertUsageError(run(train(option, value)), option, message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0.1", "NaN", "0", "Infinity"})
    void learningRateMustBePositiveAndFinite(String lr) {
        assertUsageError(run(train("--lr", lr)), "--lr", "must be a positive finite number", "e.g. 0.05");
    }

    @Test
    void otherBadNumbersAreUsageErrors() {
        assertUsageError(run(train("--epochs", "0")), "--epochs 0", "at least 1");
        assertUsageError(run(train("--gamma", "2")), "--gamma 2.0", "(0, 1]");
        assertUsageError(run(train("--batch", "x")), "--batch", "'x' is not a whole number");
        assertUsageError(run(train("--lr", "abc")), "--lr", "'abc' is not a number");
        assertUsageError(run(train("--tol", "-1")), "--tol", "positive");
        assertUsageError(run(train("--train-eval", "-1")), "--train-eval -1", "at least 0");
        assertUsageError(run(train("--bogus")), "unknown option '--bogus'");
        assertUsageError(run(train("--seed", "1.5")), "--seed", "'1.5' is not a whole number");
        assertUsageError(run("sweep", "--seeds", "1,abc", "--out", tmp.resolve("sweep").toString()),
                "--seeds", "'abc' is not a whole number");
    }

    @Test
    void sweepsZeroIsRefusedWhereActivationsAreInferred() {
        for (String method : new String[] {"contrastive", "lifted"}) {
            assertUsageError(run(train("--method", method, "--sweeps", "0")), "--sweeps 0: --method " + method,
                    "at least 1 sweep", "--sweeps 15");
        }
        assertUsageError(run("energy", "--model", tmp.resolve("m.safetensors").toString(), "--sweeps", "0"),
                "--sweeps 0: energy", "at least 1 sweep");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1x28x28-c16k57-10          | k57: a 57x57 kernel on the 28x28 map | use at most k55",
            "1x28x28-c8k5s2-c4k29-10    | k29: a 29x29 kernel on the 14x14 map | use at most k27"})
    void aKernelThatCanNeverReadTheImageIsRefused(String net, String problem, String fix) {
        assertUsageError(run(train("--net", net)), "--net", problem, fix);
    }

    /** The estimate is checked before anything is allocated: a net of 85 GiB ends in one line, not an OutOfMemoryError. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1x28x28-c100000k5-10  | needs about 84.4 GiB of memory (864,900,010 parameters, 78,400,794 units per sample)",
            "784-100000-100000-10  | one layer has 10,000,000,000 weights, more than a Java array holds"})
    void aNetTooLargeForTheHeapIsRefusedBeforeAllocation(String net, String problem) {
        Cli.Result r = run(train("--net", net));
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, "--net " + net, problem);
        assertTrue(r.errLines().size() == 1, "refused before the device or the data are touched:\n" + r.err());
        assertTrue(!Files.exists(tmp.resolve("run")), "no run folder written");
    }

    @Test
    void anImageNameThatSaysAnotherFormatIsRefused() {
        Path model = tmp.resolve("m.safetensors");
        assertUsageError(run("filters", "--model", model.toString(), "--out", tmp.resolve("w.jpg").toString()),
                "--out " + tmp.resolve("w.jpg"), "written as PNG, not jpg", "name it w.png");
        assertUsageError(run("score", "--model", model.toString(), "--ood", "noise", "--plot", tmp.resolve("roc.svg").toString()),
                "--plot", "written as PNG, not svg", "name it roc.png");
    }

    @Test
    void aReportOfAFolderThatIsNotAReproductionIsRefused() throws IOException {
        Path other = Files.createDirectories(tmp.resolve("my-runs").resolve("some-run"));
        Files.writeString(other.resolve("config.json"), "{}");
        Path out = tmp.resolve("report");
        Cli.Result r = run("report", "--runs", other.getParent().toString(), "--out", out.toString());
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, "--runs " + other.getParent() + ": not a reproduction", "scripts/reproduce.sh", "report --list");
        assertTrue(!Files.exists(out), "no report written");
        assertMessage(run("report", "--runs", tmp.resolve("none").toString(), "--out", out.toString()), "no such folder");
    }

    @Test
    void anUnknownCommandListsTheCommands() {
        Cli.Result r = run("frobnicate", "--epochs", "1");
        assertUsageError(r, "unknown command 'frobnicate'; commands: train, evaluate, energy", "sweep", "help");
    }

    @Test
    void aMisspelledOptionGetsASuggestion() {
        assertUsageError(run(train("--epoch", "2")), "unknown option '--epoch'; did you mean --epochs? see run.sh train --help");
        assertUsageError(run("evaluate", "--model", "m.safetensors", "--limt", "5"),
                "unknown option '--limt'; did you mean --limit?");
    }

    @Test
    void outThatIsAFileIsRefusedBeforeAnyWork() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "keep me");
        for (Path out : new Path[] {file, file.resolve("run")}) {
            List<String> args = new java.util.ArrayList<>(List.of(train()));
            args.set(args.indexOf("--out") + 1, out.toString());
            Cli.Result r = run(args.toArray(new String[0]));
            String problem = out.equals(file) ? "is a file" : file + " is a file";
            assertUsageError(r, "--out " + out, problem, "not a folder", "pass a new folder");
            assertTrue(r.errLines().size() == 1, "nothing before the error, no device probed:\n" + r.err());
        }
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void missingDataFolderSaysHowToFetch() {
        Path missing = tmp.resolve("no-such-folder");
        Cli.Result r = run(train("--data", missing.toString()));
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, missing.toString(), "does not exist", "scripts/fetch-data.sh mnist");
    }

    @Test
    void truncatedDataFileIsNamed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mnist"));
        // A header that promises 60000 images of 28 x 28, then only 100 pixels.
        ByteBuffer header = ByteBuffer.allocate(16 + 100);
        header.putInt(IdxReader.IMAGES_MAGIC).putInt(60000).putInt(28).putInt(28);
        Path images = Files.write(dir.resolve("train-images-idx3-ubyte"), header.array());
        Files.write(dir.resolve("train-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        Cli.Result r = run(train("--data", dir.toString()));
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, images.toString(), "fetch-data.sh mnist --to " + dir.toAbsolutePath());
    }

    @Test
    void corruptDataFileIsNamed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fashion"));
        Path images = Files.write(dir.resolve("train-images-idx3-ubyte.gz"), "this is not gzip".getBytes());
        Files.write(dir.resolve("train-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        Cli.Result r = run(train("--dataset", "fashion-mnist", "--data", dir.toString()));
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, images.toString(), "fetch-data.sh fashion-mnist --to " + dir.toAbsolutePath());
    }

    @Test
    void modelFileThatIsNotSafetensors() throws IOException {
        Path file = Files.writeString(tmp.resolve("model.safetensors"), "hello, I am not a model");
        for (String command : List.of("evaluate", "energy")) {
            Cli.Result r = run(command, "--device", "cpu", "--model", file.toString());
            assertEquals(Errors.FAILURE, r.code(), r::toString);
            assertMessage(r, file.toString(), "not a safetensors file", "--model needs a liftnet model file");
        }
    }

    @Test
    void modelFileThatBreaksTheContract() throws IOException {
        Path noMetadata = tmp.resolve("no-metadata.safetensors");
        SafeTensors.write(noMetadata, List.of(SafeTensors.Tensor.f32("W0", new int[] {10, 784}, new float[7840])), Map.of());
        Cli.Result r = run("evaluate", "--device", "cpu", "--model", noMetadata.toString());
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, noMetadata.toString(), "metadata 'net' is missing");

        Path wrongShape = tmp.resolve("wrong-shape.safetensors");
        SafeTensors.write(wrongShape, List.of(SafeTensors.Tensor.f32("W0", new int[] {10, 100}, new float[1000]),
                SafeTensors.Tensor.f32("b0", new int[] {10}, new float[10])),
                Map.of("net", "784-10", "units", "relu", "gamma", "0.125"));
        r = run("energy", "--device", "cpu", "--model", wrongShape.toString());
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, wrongShape.toString(), "tensor W0 has shape [10, 100]", "[10, 784]");
    }

    @Test
    void modelThatDoesNotFitTheDataSet() throws IOException {
        NetSpec net = NetSpec.parse("100-10");
        Path file = tmp.resolve("small.safetensors");
        ModelFile.write(file, new NetConfig(net, Units.RELU, 0.125), Parameters.initial(net, 1), Map.of());
        assertUsageError(run("evaluate", "--device", "cpu", "--model", file.toString()), "net 100-10 takes 100 inputs",
                "mnist has 784 inputs", "pass the --dataset the model was trained on");
    }

    @Test
    void missingModelFile() {
        Path file = tmp.resolve("none.safetensors");
        Cli.Result r = run("evaluate", "--model", file.toString());
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, file.toString(), "no such file");
    }

    /**
     * A folder without data: the device tests below pass it, so that they show the device is checked before the data
     * is read, whatever data the machine happens to hold.
     */
    private String noData() {
        return tmp.resolve("no-data").toString();
    }

    @Test
    void explicitGpuWithoutOneListsWhatWasFound() {
        Assumptions.assumeFalse(Engines.anyGpu(), "this machine has a GPU");
        // A bare "opencl" is a working device where OpenCL lists a CPU device (PoCL); it fails only without one.
        boolean anyOpenCl = Engines.providers().stream().anyMatch(p -> p.id().equals("opencl") && !p.devices().isEmpty());
        boolean anyCuda = Engines.providers().stream().anyMatch(p -> p.id().equals("cuda") && !p.devices().isEmpty());
        List<String> devices = anyOpenCl ? List.of("gpu", "cuda:0", "opencl:3") : List.of("gpu", "opencl", "cuda:0", "opencl:3");
        for (String device : devices) {
            Cli.Result r = run(train("--device", device, "--net", "784-8-10", "--data", noData()));
            assertEquals(Errors.FAILURE, r.code(), r::toString);
            assertMessage(r, "--device " + device, "use --device cpu");
            List<String> lines = r.errLines();
            int header = lines.indexOf("devices found:");
            assertTrue(header >= 0, "the devices found are listed before the error:\n" + r.err());
            List<String> listed = lines.subList(header + 1, lines.size() - 1);
            assertTrue(listed.stream().allMatch(l -> l.startsWith("  ")), "one indented line per device:\n" + r.err());
            assertTrue(listed.stream().anyMatch(l -> l.startsWith("  cpu:0 ") && l.endsWith(": the CPU")),
                    "the CPU is listed:\n" + r.err());
            if (device.startsWith("cuda") && !anyCuda) {
                assertMessage(r, "this machine has no cuda device");
            }
        }
        if (anyOpenCl) {
            Cli.Result r = run(train("--device", "opencl:3", "--net", "784-8-10", "--data", noData()));
            assertTrue(r.err().contains("opencl on the CPU, not a GPU"), "PoCL is labelled a CPU device:\n" + r.err());
        }
    }

    @Test
    void explicitDeviceIndexBeyondTheDevicesFound() {
        boolean anyOpenCl = Engines.providers().stream().anyMatch(p -> p.id().equals("opencl") && !p.devices().isEmpty());
        Assumptions.assumeTrue(anyOpenCl, "no OpenCL device");
        Cli.Result r = run(train("--device", "opencl:99", "--net", "784-8-10", "--data", noData()));
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, "opencl:99", "opencl has ", "opencl:0");
    }

    @Test
    void outFolderThatHoldsARunIsNotOverwritten() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(out.resolve("config.json"), "{}");
        assertUsageError(run(train()), "already holds a run", "--resume " + out);
    }

    @Test
    void resumeOfAFolderWithoutARun() {
        Cli.Result r = run("--resume", tmp.toString());
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, "config.json does not exist", "--resume needs the folder of a run");
    }

    @Test
    void resumeWithABrokenConfig() throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{\"dataset\": \"mnist\"");
        Cli.Result r = run("--resume", tmp.toString());
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        assertMessage(r, "config.json", "not valid JSON");
        Files.writeString(tmp.resolve("config.json"), "{\"dataset\": \"mnist\"}");
        r = run("--resume", tmp.toString());
        assertMessage(r, "config.json", "setting 'data' is missing");
    }

    @Test
    void errorsAreOneLine() {
        assertTrue(Errors.oneLine("a\n  b\r\nc ").equals("a | b | c"));
    }
}
