"""Rescue forces, equipment and material reserves; travel time, dispatch and coverage."""
