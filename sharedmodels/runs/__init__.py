"""What the scripts run end to end: the demo, the models table, the benchmark comparison."""
