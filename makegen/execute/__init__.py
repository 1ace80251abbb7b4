"""Execute: run a build here (`local`), or plan its arrays and submit them (`plan`,
`submit`, `backends/`). The read side: imports contract, state and templates, never
pipeline, graph or emit (so neither networkx nor the TOML parser)."""
