"""Measuring the team's own files (training data, knowledge corpus) to plan from them."""
