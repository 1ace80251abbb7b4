"""`makegen report`: a StatusReport and the build's task model as one self-contained HTML file.

One direction: `state` gives the StatusReport, `view` aggregates it (per task, never per
instance beyond one pass), `timeline` and `taskgraph` lay out the SVG figures, `html`
renders rules/report.html.j2 and writes the file atomically.
"""
