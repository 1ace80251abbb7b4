"""makegen: compile pipeline.toml into per-task Makefiles and phase-barrier array jobs."""

__version__ = "0.1.0"
