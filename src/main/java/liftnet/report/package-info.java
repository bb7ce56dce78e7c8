/**
 * Figures for reports: first-layer filter images ({@link liftnet.report.FilterImage}, like the paper's Figure 1)
 * and line and bar charts ({@link liftnet.report.Charts}, XChart). Everything renders headless into PNG files,
 * written atomically.
 */
package liftnet.report;
