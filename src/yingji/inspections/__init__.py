"""Inspection checklists (versioned templates from the official major-hazard criteria),
schedules, and inspections whose failed items become hazards."""
