"""ReadNext: a private paper recommender that learns from what you read."""
__version__ = "0.1.0"
