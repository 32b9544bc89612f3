"""Hidden hazards (事故隐患): found, confirmed, assigned, rectified, verified and closed."""
