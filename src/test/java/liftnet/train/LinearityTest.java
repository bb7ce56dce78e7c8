package liftnet.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import liftnet.api.DeviceData;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;
import org.junit.jupiter.api.Test;

/**
 * The paper's Eq. 8: at a stationary point of standard lifted training every layer with non-vanishing inputs
 * behaves linearly, so the hidden units drift into the interior of {@code C}; contrastive training keeps
 * them non-linear.
 */
class LinearityTest {

    private static final NetConfig CONFIG = new NetConfig(NetSpec.parse("16-24-24-4"), Units.RELU, 0.125);

    /** Four classes by the quadrant of two random projections: not linearly separable by one hyperplane. */
    static Dataset quadrants(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int width = CONFIG.net().inputs();
        float[] x = new float[count * width];
        int[] y = new int[count];
        for (int i = 0; i < count; i++) {
            double u = 0;
            double v = 0;
            for (int j = 0; j < width; j++) {
                float value = (float) r.nextDouble();
                x[i * width + j] = value;
                u += (j % 2 == 0 ? 1 : -1) * (value - 0.5);
                v += (j < width / 2 ? 1 : -1) * (value - 0.5);
            }
            y[i] = (u > 0 ? 1 : 0) + (v > 0 ? 2 : 0);
        }
        return new Dataset("quadrants", count, width, 4, x, y);
    }

    private static double[] trainAndMeasure(Method method) {
        TrainConfig config = new TrainConfig(CONFIG, method, 15, 20, 0.05, 0, 1,
                SolverConfig.fixed(Solver.JACOBI, 15), 3, 0);
        Dataset train = quadrants(2000, 5);
        Dataset test = quadrants(500, 6);
        try (CpuEngine engine = new CpuEngine(CONFIG, 2)) {
            engine.setParameters(Parameters.initial(CONFIG.net(), 3));
            Trainer trainer = new Trainer(engine, config);
            DeviceData trainData = engine.upload(train);
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                trainer.trainEpoch(trainData, epoch, null);
            }
            Evaluation evaluation = trainer.evaluate(engine.upload(test), false);
            double[] result = evaluation.linearFraction();
            double[] withAccuracy = new double[result.length + 1];
            System.arraycopy(result, 0, withAccuracy, 0, result.length);
            withAccuracy[result.length] = evaluation.accuracy();
            return withAccuracy;
        }
    }

    @Test
    void liftedTrainingIsDrivenLinearButContrastiveIsNot() {
        double[] lifted = trainAndMeasure(Method.LIFTED);
        double[] contrastive = trainAndMeasure(Method.CONTRASTIVE);
        String report = "lifted " + java.util.Arrays.toString(lifted) + ", contrastive " + java.util.Arrays.toString(contrastive);
        for (int k = 0; k < 2; k++) {
            assertTrue(lifted[k] >= 0.99, "lifted layer " + (k + 1) + " should be >= 99% linear: " + report);
            assertTrue(contrastive[k] <= 0.9, "contrastive layer " + (k + 1) + " should stay non-linear: " + report);
        }
        assertTrue(contrastive[2] > lifted[2], "contrastive should also classify better: " + report);
    }
}
