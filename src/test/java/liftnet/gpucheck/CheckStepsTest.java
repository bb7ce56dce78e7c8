package liftnet.gpucheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import liftnet.api.NetSpec;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pieces of the GPU check that decide a step's status without a GPU: which training errors are a SKIP (what
 * the engines and the grammar cannot do yet) rather than a FAIL, the Launcher run with its conv filter, and the
 * generated CIFAR-format images of the VGG speed step.
 */
class CheckStepsTest {

    @Test
    void refusalsOfWhatIsStillBeingBuiltAreSkipsOtherErrorsAreNot() {
        assertNotNull(TrainSteps.refusal(List.of("device: opencl", "error: the opencl engine does not support convolutional layers; use --device cpu")));
        assertNotNull(TrainSteps.refusal(List.of("error: Invalid value for option '--net': net 3x32x32-c64k3-p2-10: layer 2 ('p2') is not a"
                + " positive integer or a convolution c<F>k<K>[s<S>]; expected e.g. 784-64-64-64-10")));
        assertNotNull(TrainSteps.refusal(List.of("error: --net 3x32x32-c64k3-p2-10: the input image 3x32x32 does not match cifar10,"
                + " whose images are 1x32x32; use e.g. --net 1x32x32-c64k3-p2-10; see run.sh train --help")), "no colour CIFAR yet");
        assertNull(TrainSteps.refusal(List.of("error: the opencl engine does not support --optimizer adam")), "not a conv refusal");
        assertNull(TrainSteps.refusal(List.of("error: the opencl engine does not support average pooling (p<K>); use --device cpu")),
                "the GPU engines run average pooling: refusing it is a failure");
        assertNull(TrainSteps.refusal(List.of("error: internal error: java.lang.IllegalStateException: kernel failed")));
        assertNull(TrainSteps.refusal(List.of("does not support convolutional layers")), "only an error line counts");
    }

    @Test
    void theConvFilterKeepsOrDropsTestsByNameAndTheOutcomeCountsThem() {
        Pattern conv = Pattern.compile("(?i)Minimum");
        JsonObject only = TestRun.run(List.of(selectClass(BudgetTest.class)), conv, true);
        assertEquals(1, only.get("found").getAsInt(), only.toString());
        assertEquals(1, only.get("successful").getAsInt(), only.toString());
        JsonObject except = TestRun.run(List.of(selectClass(BudgetTest.class)), conv, false);
        assertEquals(4, except.get("found").getAsInt(), except.toString());
        assertEquals(0, except.get("failed").getAsInt(), except.toString());
        assertEquals(0, except.getAsJsonArray("failed_classes").size());
    }

    @Test
    void theConvPatternMatchesConvNetsAndConvClassesNotDenseOnes() {
        Pattern p = Pattern.compile(TestRun.CONV);
        assertTrue(p.matcher("[engine:junit-jupiter]/[class:liftnet.cuda.CudaConvContractTest]").find());
        assertTrue(p.matcher("[1] 1x28x28-c16k5s2-c32k3s2-64-10").find());
        assertTrue(p.matcher("[method:averagePoolingMatchesTheCpuEngine()]").find());
        assertTrue(!p.matcher("[1] 784-64-64-64-10").find() && !p.matcher("liftnet.cuda.CudaParityTest").find());
    }

    /** The dry run's net has the VGG-style net's layers: the same kinds, kernels, strides and pooling, and outputs. */
    @Test
    void theDryRunNetIsTheVggNetWithFewerChannels() {
        NetSpec vgg = NetSpec.parse(SpeedSteps.VGG_NET);
        NetSpec dry = NetSpec.parse(SpeedSteps.VGG_NET_DRY);
        assertEquals(vgg.layers(), dry.layers());
        assertEquals(vgg.poolSizes(), dry.poolSizes());
        assertEquals(vgg.inputs(), dry.inputs());
        assertEquals(vgg.outputs(), dry.outputs());
        assertEquals(vgg.convs().size(), dry.convs().size());
        for (int k = 0; k < vgg.convs().size(); k++) {
            assertEquals(vgg.conv(k).kernel(), dry.conv(k).kernel(), "kernel of layer " + k);
            assertEquals(vgg.conv(k).stride(), dry.conv(k).stride(), "stride of layer " + k);
            assertTrue(dry.conv(k).filters() < vgg.conv(k).filters(), "fewer filters in layer " + k);
        }
    }

    @Test
    void theGeneratedImagesLoadAsCifarFiles(@TempDir Path dir) throws Exception {
        SpeedSteps.generateCifar(dir, 103, 7, 28);
        Dataset train = DataSets.load(DatasetId.CIFAR10, dir, Split.TRAIN);
        Dataset test = DataSets.load(DatasetId.CIFAR10, dir, Split.TEST);
        assertEquals(5 * 21, train.count(), "five batches of ceil(103 / 5)");
        assertEquals(7, test.count());
        for (int label : train.labels()) {
            assertTrue(label >= 0 && label < 10, "label " + label);
        }
    }
}
