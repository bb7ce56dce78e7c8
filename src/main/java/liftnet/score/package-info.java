/**
 * Out-of-distribution scores of a trained net: per-sample scores from the energy (free energy, clamped energies)
 * and from the forward outputs ({@link liftnet.score.Score}, {@link liftnet.score.SampleScores}), the metrics that
 * compare two sets of scores ({@link liftnet.score.OodMetrics}: AUROC, FPR at 95% TPR), seeded noise inputs, and the
 * ROC and histogram figure. Uses {@code api} engines only; the {@code score} command in {@code cli} drives it.
 */
package liftnet.score;
