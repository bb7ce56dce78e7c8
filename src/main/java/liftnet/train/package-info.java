/**
 * The training orchestrator: epochs of mini-batch SGD driven phase by phase through {@link liftnet.api.Engine},
 * evaluation, and the run configuration.
 */
package liftnet.train;
