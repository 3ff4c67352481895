"""avert: violence reduction analysis for police forces, VRUs and their partners."""

__version__ = "0.1.0"

__all__ = ["__version__"]
