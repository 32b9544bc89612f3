"""Demo data: a fictitious but realistic Chongqing, from townships down to grids, with people."""
