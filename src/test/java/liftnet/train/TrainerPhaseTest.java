package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The phase sequence the {@link Trainer} drives per method, recorded by an engine that forwards every call to a
 * {@link CpuEngine} and notes it (with its {@link Method} or {@link Phase} argument).
 */
class TrainerPhaseTest {

    private static final NetConfig NET = new NetConfig(NetSpec.parse("6-5-4-3"), Units.RELU, 0.5);
    private static final SolverConfig SOLVER = SolverConfig.fixed(Solver.JACOBI, 3);
    /** Two full batches and a last one of 2 samples. */
    private static final int SAMPLES = 10;
    private static final int BATCH = 4;

    /** Calls that ask or configure the engine, not phases: not recorded. */
    private static final java.util.Set<String> CONFIGURATION = java.util.Set.of("capabilities", "setOptimizer",
            "optimizerState", "restoreOptimizerState");

    /** An engine that records the calls made on it, then makes them on {@code target}. */
    static Engine recording(Engine target, List<String> calls) {
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class},
                (proxy, m, args) -> {
                    String arg = args != null && args.length == 1 && (args[0] instanceof Method || args[0] instanceof Phase)
                            ? "(" + args[0] + ")" : "";
                    if (!CONFIGURATION.contains(m.getName())) {
                        calls.add(m.getName() + arg);
                    }
                    try {
                        return m.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The calls of one training batch of {@code method}, per {@code Trainer}'s javadoc. */
    private static List<String> batch(Method method) {
        List<String> calls = new ArrayList<>(List.of("selectBatch", "forward"));
        if (method == Method.CONTRASTIVE) {
            calls.add("inferFree");
        }
        if (method.isLifted()) {
            calls.add("inferClamped");
        }
        calls.add("computeGradient(" + method + ")");
        calls.add("applyUpdate");
        return calls;
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void anEpochRunsEachBatchThroughThePhasesOfItsMethod(Method method) {
        TrainConfig config = new TrainConfig(NET, method, 1, BATCH, 0.01, 0, 1, SOLVER, 3, 0);
        Dataset data = TestNets.randomData(NET.net(), SAMPLES, 5);
        List<String> calls = new ArrayList<>();
        try (CpuEngine cpu = new CpuEngine(config.engineNet(), 1)) {
            Engine engine = recording(cpu, calls);
            engine.setParameters(TestNets.random(config.engineNet().net(), 6, 1.0, 0.1));
            DeviceData d = engine.upload(data);
            calls.clear();
            new Trainer(engine, config).trainEpoch(d, 1, null);
        }
        List<String> expected = new ArrayList<>(List.of("drainStats"));
        for (int b = 0; b < 3; b++) {
            expected.addAll(batch(method));
        }
        expected.add("drainStats");
        assertEquals(expected, withoutQueries(calls), method.id());
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void evaluationInfersTheFreePhaseOnlyForLiftedMethods(Method method) {
        TrainConfig config = new TrainConfig(NET, method, 1, BATCH, 0.01, 0, 1, SOLVER, 3, 0);
        Dataset data = TestNets.randomData(NET.net(), SAMPLES, 7);
        List<String> calls = new ArrayList<>();
        try (CpuEngine cpu = new CpuEngine(config.engineNet(), 1)) {
            Engine engine = recording(cpu, calls);
            engine.setParameters(TestNets.random(config.engineNet().net(), 8, 1.0, 0.1));
            DeviceData d = engine.upload(data);
            calls.clear();
            new Trainer(engine, config).evaluate(d, true);
        }
        List<String> expected = new ArrayList<>(List.of("drainStats", "selectBatch", "forward"));
        if (method.isLifted()) {
            expected.addAll(List.of("inferFree", "inferClamped", "accumulateMetrics(FREE)"));
        } else {
            expected.add("accumulateMetrics(FORWARD)");
        }
        expected.add("drainStats"); // one evaluation batch: at least 500 samples
        assertEquals(expected, withoutQueries(calls), method.id());
    }

    /** {@code calls} without the calls that only read the engine's description. */
    private static List<String> withoutQueries(List<String> calls) {
        List<String> phases = new ArrayList<>(calls);
        phases.removeAll(Collections.singleton("config"));
        phases.removeAll(Collections.singleton("name"));
        return phases;
    }
}
