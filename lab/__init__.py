"""Simulation and measurement: the demo stream, alert grading, benchmarks. The product never imports it."""
