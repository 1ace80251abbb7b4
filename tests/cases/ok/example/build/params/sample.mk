MAKEGEN_VALUES_sample := wt-1 wt-2 wt-3 ko-1 ko-2
