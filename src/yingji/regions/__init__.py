"""Administrative regions (行政区划), their geometry, population and spatial queries."""
