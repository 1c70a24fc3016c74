"""govcrawl: continuous monitoring of registered government websites."""

__version__ = "0.1.0"
