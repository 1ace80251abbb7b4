"""Emit: TaskGraph -> the build folder's files as text, then written by `writer` (the only
code that touches the build folder). Imports pipeline, graph, contract and templates."""
