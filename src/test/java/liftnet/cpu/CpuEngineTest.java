package liftnet.cpu;

import liftnet.api.Engine;
import liftnet.api.EngineContractTest;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.data.Dataset;
import liftnet.solve.DoubleReference;
import liftnet.train.Optimizer;
import liftnet.train.TrainConfig;
import liftnet.train.Trainer;

/** The engine contract on the CPU engine with two threads (rows split between them). */
class CpuEngineTest extends EngineContractTest {

    @Override
    protected Engine create(NetConfig config) {
        return new CpuEngine(config, 2);
    }

    @Override
    protected boolean implementsSoftClamp() {
        return true;
    }

    /**
     * The same contrastive training without the CPU engine (the default reference is that engine on one thread, whose
     * results are the same bits): per batch of {@link Trainer#order}, the mean over its samples of
     * {@code dE(z_clamped) - dE(z_free)} in double precision by {@link DoubleReference}, each phase minimised by as
     * many Gauss-Seidel sweeps as the config's solver runs; stepped by the host optimizer at the config's rates, as
     * the trainer steps the CPU engine's. Accuracy of the free phase's {@code argmax z_L}.
     */
    @Override
    protected double referenceAccuracy(TrainConfig config, Parameters start, Dataset data) {
        NetConfig net = config.net();
        NetSpec spec = net.net();
        int sweeps = config.solver().maxSweeps();
        Parameters p = start.copy();
        Optimizer optimizer = Optimizer.create(config.optimizer(), spec);
        int count = data.count();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            int[] order = Trainer.order(config.seed(), epoch, count);
            for (int from = 0; from < count; from += config.batch()) {
                int size = Math.min(config.batch(), count - from);
                DoubleReference reference = new DoubleReference(net, p);
                double[][][] gw = reference.zeroWeights();
                double[][] gb = reference.zeroBiases();
                for (int s = from; s < from + size; s++) {
                    int offset = order[s] * data.width();
                    int label = data.labels()[order[s]];
                    reference.addEnergyGradient(reference.solve(data.inputs(), offset, label, sweeps, 0), 1, gw, gb);
                    reference.addEnergyGradient(reference.solve(data.inputs(), offset, -1, sweeps, 0), -1, gw, gb);
                }
                Parameters g = Parameters.zeros(spec);
                for (int k = 0; k < spec.layers(); k++) {
                    float[] w = g.weight(k);
                    int cols = spec.width(k);
                    for (int i = 0; i < gb[k].length; i++) {
                        g.bias(k)[i] = (float) (gb[k][i] / size);
                        for (int j = 0; j < cols; j++) {
                            w[i * cols + j] = (float) (gw[k][i][j] / size);
                        }
                    }
                }
                optimizer.step(p, g, config.rates(epoch, (double) from / count));
            }
        }
        DoubleReference trained = new DoubleReference(net, p);
        int correct = 0;
        for (int s = 0; s < count; s++) {
            double[] out = trained.solve(data.inputs(), s * data.width(), -1, sweeps, 0)[spec.layers()];
            int best = 0;
            for (int i = 1; i < out.length; i++) {
                if (out[i] > out[best]) {
                    best = i;
                }
            }
            correct += best == data.labels()[s] ? 1 : 0;
        }
        return 100.0 * correct / count;
    }
}
