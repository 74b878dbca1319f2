"""pworlds: verifiable, replayable environments for training and evaluating AI agents."""

__version__ = "0.1.0"
