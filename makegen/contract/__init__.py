"""The contract between building and running: the build folder and OUTPUT_DIR/.makegen/.

Owns every path, marker name, exit code, id format and instance state, and graph.json's
typed model. Both sides import it; it imports nothing else of makegen but `errors`.
"""
