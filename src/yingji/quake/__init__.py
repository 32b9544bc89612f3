"""Earthquake rapid intensity and loss assessment (地震烈度速判与灾情评估).

Science modules (``attenuation``, ``source``, ``field``, ``isoseismals``, ``exposure``,
``losses``) are pure functions over numpy arrays with their coefficient tables in ``data/``;
``assess`` runs them in order for one event.
"""
