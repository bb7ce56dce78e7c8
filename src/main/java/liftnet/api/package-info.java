/**
 * Backend-neutral API: the network spec, units, parameters, solver settings, and the {@link liftnet.api.Engine}
 * interface that the training orchestrator drives phase by phase and every backend implements.
 */
package liftnet.api;
