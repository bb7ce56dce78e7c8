/**
 * The command line: {@code train} (the default), {@code evaluate}, {@code energy} and {@code filters}, built
 * with picocli. {@link liftnet.cli.Main#run} is the in-process entry point the tests drive; {@link
 * liftnet.cli.Errors} is the one place that turns every failure into a one-line message and an exit status.
 * A training run lives in one folder ({@link liftnet.train.RunFolder}): {@code config.json},
 * {@code model.safetensors} and {@code metrics.jsonl}, kept consistent after every epoch so that
 * {@code --resume} continues a run killed at any moment.
 */
package liftnet.cli;
