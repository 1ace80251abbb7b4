"""Graph: Pipeline -> TaskGraph (networkx): producers of every input, cycles, duplicate
outputs, phases; and the graph as text. Imports pipeline and errors only."""

from .tasks import InputLink, TaskGraph, TaskNode, build_graph

__all__ = ["InputLink", "TaskGraph", "TaskNode", "build_graph"]
