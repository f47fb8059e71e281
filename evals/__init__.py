"""Evaluation suites, dataset loaders, metrics, reports and regression gates."""
