/**
 * The GPU check: {@link liftnet.gpucheck.GpuCheck} (started by {@code scripts/gpu-check.sh}, in a checkout or in the
 * bundle of {@code scripts/gpu-bundle.sh}) probes the machine's devices, runs the GPU engines' JUnit tests through the
 * JUnit Platform Launcher ({@link liftnet.gpucheck.TestRun}, one child JVM per step), trains on every engine and
 * measures throughput ({@link liftnet.check.Throughput}), each child under a time limit from
 * {@link liftnet.gpucheck.Budget}, and writes its results with {@link liftnet.gpucheck.Report}.
 *
 * <p>Why in the test tree: its test steps run the contract and parity test classes of {@code liftnet.cuda} and
 * {@code liftnet.opencl}, which live here, through the JUnit Platform Launcher, a test-scoped dependency; the
 * application jar stays free of JUnit. The bundle carries these classes as {@code lib/liftnet-tests.jar} with the
 * JUnit jars in {@code lib/junit/}. The measuring programs it starts ({@code liftnet.check}) are in the application jar.
 */
package liftnet.gpucheck;
