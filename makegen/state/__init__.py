"""State: what the marker files and outputs under OUTPUT_DIR say about every instance
(status, clean). The read side: imports contract only, never pipeline, graph or emit."""
