package liftnet.cpu;

import liftnet.api.Engine;
import liftnet.api.EngineContractTest;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.data.Dataset;
import liftnet.train.ExactPhases;
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
     * {@code dE(z_clamped) - dE(z_free)} in double precision by {@link ExactPhases}, each phase minimised exactly;
     * stepped by the host optimizer at the config's rates, as the trainer steps the CPU engine's. Accuracy of the free
     * phase's {@code argmax z_L}.
     */
    @Override
    protected double referenceAccuracy(TrainConfig config, Parameters start, Dataset data) {
        NetConfig net = config.net();
        NetSpec spec = net.net();
        Parameters p = start.copy();
        Optimizer optimizer = Optimizer.create(config.optimizer(), spec);
        int count = data.count();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            int[] order = Trainer.order(config.seed(), epoch, count);
            for (int from = 0; from < count; from += config.batch()) {
                int size = Math.min(config.batch(), count - from);
                ExactPhases reference = new ExactPhases(net, p);
                double[][] gw = ExactPhases.zeroWeights(spec);
                double[][] gb = ExactPhases.zeroBiases(spec);
                for (int s = from; s < from + size; s++) {
                    int offset = order[s] * data.width();
                    int label = data.labels()[order[s]];
                    double[][] clamped = reference.solve(data.inputs(), offset, label, ExactPhases.HARD_CLAMP);
                    reference.addEnergyGradient(clamped, 1.0 / size, gw, gb);
                    reference.addEnergyGradient(reference.solve(data.inputs(), offset, label, 0), -1.0 / size, gw, gb);
                }
                Parameters g = Parameters.zeros(spec);
                for (int k = 0; k < spec.layers(); k++) {
                    for (int i = 0; i < gw[k].length; i++) {
                        g.weight(k)[i] = (float) gw[k][i];
                    }
                    for (int i = 0; i < gb[k].length; i++) {
                        g.bias(k)[i] = (float) gb[k][i];
                    }
                }
                optimizer.step(p, g, config.rates(epoch, (double) from / count));
            }
        }
        ExactPhases trained = new ExactPhases(net, p);
        int correct = 0;
        for (int s = 0; s < count; s++) {
            double[] out = trained.solve(data.inputs(), s * data.width(), data.labels()[s], 0)[spec.layers()];
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
