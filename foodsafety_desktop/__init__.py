"""食安台账 (foodsafety-desktop): task ledger, reporting and summaries for county 食安办."""

__version__ = "0.1.0"
