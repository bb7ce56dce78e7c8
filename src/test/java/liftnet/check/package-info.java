/**
 * The GPU check and the programs it runs: {@link liftnet.check.GpuCheck} (started by {@code scripts/gpu-check.sh},
 * in a checkout or in the bundle of {@code scripts/gpu-bundle.sh}) probes the machine's devices, runs the GPU engines'
 * JUnit tests through the JUnit Platform Launcher ({@link liftnet.check.TestRun}, one child JVM per step), trains on
 * every engine and measures throughput ({@link liftnet.check.Throughput}), each child under a time limit from
 * {@link liftnet.check.Budget}, and writes its results with {@link liftnet.check.Report}.
 *
 * <p>Why in the test tree: the check's test steps run the contract and parity test classes of {@code liftnet.cuda}
 * and {@code liftnet.opencl}, which live here, and the Launcher is a test-scoped dependency; the application jar
 * stays free of JUnit. The bundle carries these classes as {@code lib/liftnet-tests.jar} with the JUnit jars.
 */
package liftnet.check;
