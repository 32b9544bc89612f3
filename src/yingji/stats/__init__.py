"""Hazard statistics: summaries, dashboard figures, rankings (晾晒) and exports."""
