package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import liftnet.api.EngineSwitches;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The GPU engines' switches on the command line ({@code --gpu-step}, {@code --gpu-gemm}, {@code --gpu-graphs},
 * {@code --gpu-conv}, {@code --gpu-early-exit}): parsed
 * in any case into the {@link EngineSwitches} the engines are built with, defaults when absent, and a bad value refused
 * with one error line naming the valid ones.
 */
class GpuSwitchOptionsTest {

    private static EngineSwitches parse(String... args) {
        EngineOptions o = new EngineOptions();
        new CommandLine(o).parseArgs(args);
        return o.switches();
    }

    @Test
    void theOptionsChooseTheSwitchesInAnyCase() {
        assertEquals(EngineSwitches.defaults(), parse());
        assertEquals(new EngineSwitches(EngineSwitches.Step.PHASED, EngineSwitches.Gemm.TILED, false),
                parse("--gpu-step", "Phased", "--gpu-gemm", "tiled", "--gpu-graphs", "OFF"));
        assertEquals(new EngineSwitches(EngineSwitches.Step.OFF, EngineSwitches.Gemm.BLOCKED, true),
                parse("--gpu-step", "off", "--gpu-gemm", " blocked ", "--gpu-graphs", "on"));
        assertEquals(EngineSwitches.defaults().withConv(EngineSwitches.Conv.DIRECT), parse("--gpu-conv", "Direct"));
        assertEquals(EngineSwitches.Conv.GEMM, parse("--gpu-conv", "gemm").conv());
        assertEquals(EngineSwitches.defaults().withEarlyExit(false), parse("--gpu-early-exit", "Off"));
        assertEquals(EngineSwitches.defaults(), parse("--gpu-early-exit", "on"));
    }

    @Test
    void aBadValueIsOneErrorLineWithTheChoices() {
        String[] train = {"train", "--device", "cpu", "--threads", "1", "--net", "784-16-10", "--epochs", "1", "--data",
            Cli.MNIST.toString()};
        Cli.assertUsageError(Cli.run(Cli.concat(train, "--gpu-gemm", "fast")),
                "--gpu-gemm", "'fast' is not one of auto, tiled, blocked");
        Cli.assertUsageError(Cli.run(Cli.concat(train, "--gpu-step", "fast")),
                "--gpu-step", "'fast' is not one of fused, phased, off");
        Cli.assertUsageError(Cli.run(Cli.concat(train, "--gpu-graphs", "yes")),
                "--gpu-graphs", "'yes' is not one of on, off");
        Cli.assertUsageError(Cli.run(Cli.concat(train, "--gpu-conv", "fft")),
                "--gpu-conv", "'fft' is not one of direct, gemm");
        Cli.assertUsageError(Cli.run(Cli.concat(train, "--gpu-early-exit", "yes")),
                "--gpu-early-exit", "'yes' is not one of on, off");
    }
}
