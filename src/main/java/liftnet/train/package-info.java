/**
 * The training orchestrator: epochs of mini-batch SGD driven phase by phase through {@link liftnet.api.Engine}
 * ({@link liftnet.train.Trainer}), evaluation, the run configuration, and whole training runs
 * ({@link liftnet.train.TrainingRun}: epoch by epoch with listeners, in a resumable
 * {@link liftnet.train.RunFolder} or without one).
 */
package liftnet.train;
