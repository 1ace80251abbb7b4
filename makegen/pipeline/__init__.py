"""Pipeline: read and check pipeline.toml into frozen dataclasses (`load`, `model`).
Knows nothing of graphs, Make or the build folder; imports errors and contract only."""
