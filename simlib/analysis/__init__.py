"""Analyses over scenarios and experiment results: parameter table, calibration, national ensemble."""
